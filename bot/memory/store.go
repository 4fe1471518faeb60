// Package memory is an in-memory bot.Store: the store of the demo mode (no database) and of
// tests. It passes the same contract suite (bot/storetest) as the PostgreSQL store.
package memory

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/faqbot/faqbot/bot"
	"github.com/faqbot/faqbot/handoff"
	handoffmemory "github.com/faqbot/faqbot/handoff/memory"
)

var _ bot.Store = (*Store)(nil)

// Store keeps conversations, their messages and turn keys in memory, and writes the tickets of
// handoffs into a handoff memory store. It is safe for concurrent use; it copies everything it
// is given and everything it returns.
type Store struct {
	mu      sync.RWMutex
	tickets *handoffmemory.Store
	convs   map[string]*conversation
	byToken map[string]string // string(token hash) -> conversation id
	nextID  int64             // message ids, across conversations as in PostgreSQL
	log     []place           // every message in id order: the feed (feed.go)
	gaps    []bot.Gap         // knowledge gaps, oldest first
}

type conversation struct {
	c        bot.Conversation
	messages []bot.Message // messages[i].Seq == i+1
	keys     map[string]*turnKey
	byUser   map[int64]*turnKey // user message id -> its key
}

type turnKey struct {
	hash    []byte
	user    int64 // message ids
	reply   int64 // 0 until answered, and when the turn wrote no reply
	done    bool
	created time.Time
}

// New returns an empty store that writes the tickets of handoffs into tickets, within the
// same critical section as the reply.
func New(tickets *handoffmemory.Store) *Store {
	if tickets == nil {
		panic("bot/memory: New needs the handoff memory store the tickets go to")
	}
	return &Store{tickets: tickets, convs: make(map[string]*conversation), byToken: make(map[string]string)}
}

// CreateConversation implements bot.Store: it sets ID (a new UUID when empty), CreatedAt and
// UpdatedAt; an empty State becomes bot.StateBot.
func (s *Store) CreateConversation(ctx context.Context, c *bot.Conversation) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if c.State == "" {
		c.State = bot.StateBot
	}
	if len(c.TokenHash) == 0 {
		c.TokenHash = nil
	}
	if err := c.Validate(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	id := strings.ToLower(c.ID)
	if id == "" {
		id = uuid.NewString()
	}
	if _, dup := s.convs[id]; dup {
		return fmt.Errorf("conversation %s already exists: %w", id, bot.ErrConflict)
	}
	if c.TokenHash != nil {
		if _, dup := s.byToken[string(c.TokenHash)]; dup {
			return fmt.Errorf("conversation token is already used: %w", bot.ErrConflict)
		}
		s.byToken[string(c.TokenHash)] = id
	}
	now := now()
	c.ID, c.CreatedAt, c.UpdatedAt = id, now, now
	s.convs[id] = &conversation{c: copyConversation(*c), keys: make(map[string]*turnKey), byUser: make(map[int64]*turnKey)}
	return nil
}

// Conversation implements bot.Store.
func (s *Store) Conversation(ctx context.Context, id, ownerID string) (bot.Conversation, error) {
	if err := ctx.Err(); err != nil {
		return bot.Conversation{}, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	cv, ok := s.convs[strings.ToLower(id)]
	if !ok || cv.c.OwnerID != ownerID {
		return bot.Conversation{}, notFound(id)
	}
	return copyConversation(cv.c), nil
}

// ConversationByToken implements bot.Store.
func (s *Store) ConversationByToken(ctx context.Context, tokenHash []byte) (bot.Conversation, error) {
	if err := ctx.Err(); err != nil {
		return bot.Conversation{}, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	id, ok := s.byToken[string(tokenHash)]
	if !ok || len(tokenHash) == 0 {
		return bot.Conversation{}, fmt.Errorf("conversation by token: %w", bot.ErrNotFound)
	}
	return copyConversation(s.convs[id].c), nil
}

// BeginTurn implements bot.Store.
func (s *Store) BeginTurn(ctx context.Context, msg *bot.Message, key bot.TurnKey) (*bot.Turn, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := msg.Validate(); err != nil {
		return nil, err
	}
	if err := key.Validate(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	cv, ok := s.convs[strings.ToLower(msg.ConversationID)]
	if !ok {
		return nil, notFound(msg.ConversationID)
	}
	if key.Key != "" {
		if k, used := cv.keys[key.Key]; used {
			if !bytes.Equal(k.hash, key.BodyHash) {
				return nil, fmt.Errorf("idempotency key %q: %w", key.Key, bot.ErrIdempotencyMismatch)
			}
			return cv.turn(k), nil
		}
	}
	now := now()
	s.append(cv, msg, now)
	cv.c.UpdatedAt = now
	if key.Key != "" {
		k := &turnKey{hash: bytes.Clone(key.BodyHash), user: msg.ID, created: now}
		cv.keys[key.Key] = k
		cv.byUser[msg.ID] = k
	}
	return nil, nil
}

// FinishTurn implements bot.Store. Everything that can fail is checked before the first write,
// and the ticket, the only write that can still fail, goes first: so a failed turn leaves
// nothing behind, as the PostgreSQL store's transaction does.
func (s *Store) FinishTurn(ctx context.Context, o *bot.Outcome) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := o.Validate(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	cv, ok := s.convs[strings.ToLower(o.ConversationID)]
	if !ok {
		return notFound(o.ConversationID)
	}
	var user *bot.Message
	if o.UserMessageID != 0 {
		user = cv.message(o.UserMessageID)
		if user == nil || user.Role != bot.RoleUser {
			return fmt.Errorf("user message %d of conversation %s: %w", o.UserMessageID, o.ConversationID, bot.ErrNotFound)
		}
	}
	if o.Ticket != nil {
		o.Ticket.ConversationID = cv.c.ID
		if err := s.tickets.InsertTicket(ctx, o.Ticket); err != nil {
			return ticketError(err)
		}
	}
	if o.Gap != nil {
		s.addGap(cv.c.ID, o.Gap)
	}
	if user != nil {
		if o.UserSentiment != nil {
			v := *o.UserSentiment
			user.Sentiment = &v
		}
		if o.UserQuery != "" {
			user.Query = o.UserQuery
		}
	}
	now := now()
	if o.Reply != nil {
		s.append(cv, o.Reply, now) // moves cv.messages: user is stale from here on
	}
	if k := cv.byUser[o.UserMessageID]; k != nil && o.UserMessageID != 0 {
		k.done = true
		if o.Reply != nil {
			k.reply = o.Reply.ID
		}
	}
	c := &cv.c
	if o.State != "" {
		c.State = o.State
	}
	c.LowStreak, c.HumanAsks, c.UpdatedAt = o.LowStreak, o.HumanAsks, now
	if o.Language != "" {
		c.Language = o.Language
	}
	return nil
}

// ExpireTurnKeys implements bot.Store. Done or not alike, as the interface explains.
func (s *Store) ExpireTurnKeys(ctx context.Context, before time.Time) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, cv := range s.convs {
		for key, k := range cv.keys {
			if n == bot.ExpireTurnKeysBatch {
				return n, nil
			}
			if k.created.Before(before) {
				delete(cv.keys, key)
				delete(cv.byUser, k.user)
				n++
			}
		}
	}
	return n, nil
}

// AppendMessage implements bot.Store.
func (s *Store) AppendMessage(ctx context.Context, msg *bot.Message) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := msg.Validate(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	cv, ok := s.convs[strings.ToLower(msg.ConversationID)]
	if !ok {
		return notFound(msg.ConversationID)
	}
	now := now()
	s.append(cv, msg, now)
	cv.c.UpdatedAt = now
	return nil
}

// SetState implements bot.Store.
func (s *Store) SetState(ctx context.Context, conversationID string, state bot.State) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := checkState(state); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	cv, ok := s.convs[strings.ToLower(conversationID)]
	if !ok {
		return notFound(conversationID)
	}
	cv.c.State, cv.c.UpdatedAt = state, now()
	return nil
}

// Messages implements bot.Store.
func (s *Store) Messages(ctx context.Context, conversationID string, afterSeq int64, limit int) ([]bot.Message, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := checkPage(afterSeq, limit); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	cv, ok := s.convs[strings.ToLower(conversationID)]
	if !ok {
		return nil, notFound(conversationID)
	}
	from := min(afterSeq, int64(len(cv.messages)))
	to := min(from+int64(limit), int64(len(cv.messages)))
	return copyMessages(cv.messages[from:to]), nil
}

// Recent implements bot.Store.
func (s *Store) Recent(ctx context.Context, conversationID string, n int) ([]bot.Message, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if n < 1 {
		return nil, fmt.Errorf("recent messages: n must be at least 1, got %d: %w", n, bot.ErrInvalid)
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	cv, ok := s.convs[strings.ToLower(conversationID)]
	if !ok {
		return nil, notFound(conversationID)
	}
	return copyMessages(cv.messages[max(0, len(cv.messages)-n):]), nil
}

// append gives msg the conversation's next seq and a fresh id, and stores a copy.
func (s *Store) append(cv *conversation, msg *bot.Message, now time.Time) {
	s.nextID++
	msg.ID, msg.Seq, msg.CreatedAt = s.nextID, int64(len(cv.messages))+1, now
	s.log = append(s.log, place{id: msg.ID, conv: cv.c.ID, index: len(cv.messages)})
	msg.ConversationID = cv.c.ID
	cv.messages = append(cv.messages, copyMessage(*msg))
}

// message finds a message by id: a binary search, since ids grow with seq.
func (cv *conversation) message(id int64) *bot.Message {
	lo, hi := 0, len(cv.messages)
	for lo < hi {
		mid := (lo + hi) / 2
		switch m := &cv.messages[mid]; {
		case m.ID == id:
			return m
		case m.ID < id:
			lo = mid + 1
		default:
			hi = mid
		}
	}
	return nil
}

func (cv *conversation) turn(k *turnKey) *bot.Turn {
	t := &bot.Turn{User: copyMessage(*cv.message(k.user)), Done: k.done}
	if k.reply != 0 {
		r := copyMessage(*cv.message(k.reply))
		t.Reply = &r
	}
	return t
}

// ticketError gives the ticket store's error the bot's kind as well, keeping its message.
func ticketError(err error) error {
	switch {
	case errors.Is(err, handoff.ErrConflict):
		return kindError{err, bot.ErrConflict}
	case errors.Is(err, handoff.ErrInvalid):
		return kindError{err, bot.ErrInvalid}
	}
	return err
}

// kindError is err that is also of the bot's error kind.
type kindError struct{ err, kind error }

func (e kindError) Error() string   { return "open ticket: " + e.err.Error() }
func (e kindError) Unwrap() []error { return []error{e.err, e.kind} }

func checkState(s bot.State) error {
	switch s {
	case bot.StateBot, bot.StateQueued, bot.StateAgent, bot.StateResolved:
		return nil
	}
	return fmt.Errorf("conversation state: unknown state %q: %w", s, bot.ErrInvalid)
}

func checkPage(afterSeq int64, limit int) error {
	switch {
	case afterSeq < 0:
		return fmt.Errorf("messages: after must not be negative, got %d: %w", afterSeq, bot.ErrInvalid)
	case limit < 1:
		return fmt.Errorf("messages: limit must be at least 1, got %d: %w", limit, bot.ErrInvalid)
	}
	return nil
}

func copyConversation(c bot.Conversation) bot.Conversation {
	c.TokenHash = bytes.Clone(c.TokenHash)
	return c
}

func copyMessages(in []bot.Message) []bot.Message {
	out := make([]bot.Message, len(in))
	for i, m := range in {
		out[i] = copyMessage(m)
	}
	return out
}

// copyMessage shares nothing with m; empty lists come back empty, never nil, as a database
// returns them.
func copyMessage(m bot.Message) bot.Message {
	m.Citations = append([]bot.Citation{}, m.Citations...)
	m.Suggestions = append([]string{}, m.Suggestions...)
	if m.Confidence != nil {
		v := *m.Confidence
		m.Confidence = &v
	}
	if m.Sentiment != nil {
		v := *m.Sentiment
		m.Sentiment = &v
	}
	return m
}

func notFound(id string) error {
	return fmt.Errorf("conversation %q: %w", id, bot.ErrNotFound)
}

// now is the stores' clock: UTC, in the microseconds PostgreSQL keeps.
func now() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }
