// Package bot is the dialogue engine: conversations with seven turns of memory, sentiment,
// question rewriting, retrieval, calibrated confidence, and the decision to answer, ask back
// or hand over to a human.
package bot

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/faqbot/faqbot/handoff"
)

// The closed set of error kinds of the bot domain.
var (
	ErrNotFound = errors.New("not found")
	ErrConflict = errors.New("conflict")
	ErrInvalid  = errors.New("invalid")
	// ErrTooLarge: a message longer than the limit (the API answers 413).
	ErrTooLarge = errors.New("message too large")
	// ErrIdempotencyMismatch: the Idempotency-Key was used before with another message.
	ErrIdempotencyMismatch = errors.New("idempotency key reused with another message")
	// ErrTurnInProgress: a request with the same Idempotency-Key is still being answered.
	ErrTurnInProgress = errors.New("a request with this idempotency key is still running")
)

// State is who is talking to the user.
type State string

const (
	StateBot      State = "bot"      // the bot answers
	StateQueued   State = "queued"   // a ticket waits for an agent
	StateAgent    State = "agent"    // an agent owns the conversation
	StateResolved State = "resolved" // the agent resolved it; the next message goes to the bot again
)

// Role says who wrote a message.
type Role string

const (
	RoleUser   Role = "user"
	RoleBot    Role = "bot"
	RoleAgent  Role = "agent"
	RoleSystem Role = "system"
)

// Decision is what the bot did with a message.
type Decision string

const (
	DecisionAnswer  Decision = "answer"
	DecisionClarify Decision = "clarify"
	DecisionHandoff Decision = "handoff"
	DecisionQueued  Decision = "queued" // a human owns the conversation; the bot did not answer
)

// Conversation is one chat between an end user and the service.
type Conversation struct {
	ID        string // UUID
	OwnerID   string // the user id of the host app's token, or "anon:<id>" for anonymous chat
	TokenHash []byte // SHA-256 of the conversation token (anonymous chat); nil otherwise
	Language  string // "zh", "en", or "" until known
	State     State
	// LowStreak counts consecutive low-confidence turns: the first clarifies, the second hands over.
	LowStreak int
	// HumanAsks counts how often the user asked for a human while a ticket was open.
	HumanAsks int
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Citation names an article an answer came from.
type Citation struct {
	ArticleID int64  `json:"article_id"`
	Title     string `json:"title"`
}

// Sentiment is a user message's mood.
type Sentiment struct {
	Label string  `json:"label"`
	Score float64 `json:"score"`
}

// Message is one message of a transcript. Seq orders a conversation's messages from 1.
type Message struct {
	ID             int64
	ConversationID string
	Seq            int64
	Role           Role
	Text           string
	Author         string // the agent's name for agent messages
	Citations      []Citation
	Confidence     *float64   // bot replies
	Sentiment      *Sentiment // user messages
	Decision       Decision   // bot replies
	Reason         string     // bot replies: why this decision, in words
	Suggestions    []string   // clarify: up to 3 likely questions
	Query          string     // user messages: the standalone question it was rewritten to
	CreatedAt      time.Time
}

// TurnKey identifies a retried POST: the Idempotency-Key and a hash of the message.
type TurnKey struct {
	Key      string
	BodyHash []byte
}

// Turn is a stored user message and, once answered, the reply to it.
type Turn struct {
	User  Message
	Reply *Message // nil while the turn is being answered, and when an agent owned the chat
	Done  bool     // FinishTurn has run for this turn
}

// Outcome is everything one turn writes after the user's message: the reply, the
// conversation's new state, and a ticket when the bot hands over. A store writes it in one
// transaction.
type Outcome struct {
	ConversationID string
	Reply          *Message // nil when an agent owns the conversation: the bot stays silent
	State          State    // "" keeps the stored state (a concurrent claim or resolve wins)
	LowStreak      int
	HumanAsks      int
	Language       string
	Ticket         *handoff.Ticket // a new ticket to insert, or nil
	// UserMessageID is the ID BeginTurn gave the user's message (msg.ID after the call):
	// FinishTurn marks that turn done and links the reply to its Idempotency-Key, so a retried
	// request sees Turn.Done and the reply; it also writes UserSentiment and UserQuery onto it.
	// 0 when the outcome answers no stored user message (a handoff button, a system notice).
	UserMessageID int64
	UserSentiment *Sentiment // the user message's mood; nil keeps what is stored
	UserQuery     string     // the standalone question it was rewritten to; "" keeps what is stored
	// Gap is the knowledge gap the turn revealed (it asked back, or handed over), or nil. Its
	// ConversationID is the outcome's; the store sets ID and CreatedAt.
	Gap *Gap
}

// Store keeps conversations and messages. Implementations: bot/memory and bot/postgres; both
// pass bot/storetest.
type Store interface {
	// CreateConversation stores c, setting CreatedAt, UpdatedAt and, when empty, ID (a new
	// UUID) and State (StateBot). A taken ID or token hash is ErrConflict.
	CreateConversation(ctx context.Context, c *Conversation) error
	// Conversation returns the conversation if ownerID owns it; another owner's id is
	// ErrNotFound, exactly like an unknown id (the check is in the query, not after it).
	Conversation(ctx context.Context, id, ownerID string) (Conversation, error)
	// ConversationByToken finds an anonymous conversation by its token's hash.
	ConversationByToken(ctx context.Context, tokenHash []byte) (Conversation, error)
	// BeginTurn stores the user's message (setting its ID, Seq and CreatedAt) before anything
	// else happens. With a non-empty key already used in this conversation it stores nothing
	// and returns the earlier turn (Done false while that turn is still running), or
	// ErrIdempotencyMismatch when the body hash differs.
	BeginTurn(ctx context.Context, msg *Message, key TurnKey) (prior *Turn, err error)
	// FinishTurn writes the reply if any (setting its ID, Seq, CreatedAt), the conversation's state,
	// counters and language, and the ticket if any, in one transaction. It marks the turn of
	// o.UserMessageID done. An empty Language keeps the stored one. A ticket the ticket store
	// refuses (a taken number, a second open ticket) is ErrConflict, and nothing is written.
	FinishTurn(ctx context.Context, o *Outcome) error
	// AppendMessage adds a message outside a bot turn (an agent's reply, a system notice).
	AppendMessage(ctx context.Context, msg *Message) error
	// SetState changes the conversation's state (an agent claims or resolves).
	SetState(ctx context.Context, conversationID string, state State) error
	// Messages returns the messages with Seq > afterSeq, oldest first, at most limit. An
	// unknown (or malformed) conversation id is ErrNotFound here and in every method that
	// takes one.
	Messages(ctx context.Context, conversationID string, afterSeq int64, limit int) ([]Message, error)
	// Recent returns the last n messages of the conversation, oldest first.
	Recent(ctx context.Context, conversationID string, n int) ([]Message, error)
	// ExpireTurnKeys deletes the Idempotency-Keys of turns begun before before, at most
	// ExpireTurnKeysBatch of them per call, and returns how many it deleted. The messages
	// stay; a retry with an expired key is a new message. Keys of turns that are not done go
	// too: such a turn was abandoned long ago (a retry would answer it anew anyway, see
	// Config.StaleTurn), and keeping them would keep the key of every crashed turn forever.
	ExpireTurnKeys(ctx context.Context, before time.Time) (int, error)

	// The feed of every conversation's messages, which agents' streams tail (feed.go).

	// MessagesAfter returns the messages of all conversations with ID > afterID, oldest
	// first, at most limit (1 to MaxFeedLimit). Like handoff.Store.EventsAfter it never hands
	// out a message while one with a smaller ID may still commit, so a reader that keeps the
	// last ID it got misses nothing; IDs may have holes. A negative afterID is ErrInvalid.
	MessagesAfter(ctx context.Context, afterID int64, limit int) ([]Message, error)
	// FeedHeads returns the newest message ID and the newest ticket event ID: where a reader
	// of both feeds starts when it wants only what happens next.
	FeedHeads(ctx context.Context) (FeedHeads, error)
}

// MaxKeyLen bounds an Idempotency-Key, in characters.
const MaxKeyLen = 255

// ExpireTurnKeysBatch bounds one ExpireTurnKeys call, so that a backlog of keys (the first
// sweep after keys piled up) never holds locks or the sweep for long; the next sweep takes the
// next batch. At the default sweep interval that is 3.6 million keys an hour.
const ExpireTurnKeysBatch = 10_000

// Validate checks a conversation before it is created and names the first field that is
// wrong. The stores apply it, so the in-memory store refuses what PostgreSQL would.
func (c *Conversation) Validate() error {
	switch {
	case c.ID != "" && !ValidID(c.ID):
		return invalid("conversation", "id", "must be a UUID")
	case c.OwnerID == "":
		return invalid("conversation", "owner_id", "is empty")
	case c.TokenHash != nil && len(c.TokenHash) != 32:
		return invalid("conversation", "token_hash", "must be a SHA-256 (32 bytes)")
	case !validState(c.State):
		return invalid("conversation", "state", fmt.Sprintf("unknown state %q", c.State))
	case c.LowStreak < 0 || c.HumanAsks < 0:
		return invalid("conversation", "low_streak", "counters cannot be negative")
	}
	if err := checkText("conversation", "owner_id", c.OwnerID); err != nil {
		return err
	}
	return checkText("conversation", "language", c.Language)
}

// Validate checks a message before it is stored and names the first field that is wrong.
func (m *Message) Validate() error {
	switch m.Role {
	case RoleUser, RoleBot, RoleAgent, RoleSystem:
	default:
		return invalid("message", "role", fmt.Sprintf("unknown role %q", m.Role))
	}
	switch m.Decision {
	case "", DecisionAnswer, DecisionClarify, DecisionHandoff, DecisionQueued:
	default:
		return invalid("message", "decision", fmt.Sprintf("unknown decision %q", m.Decision))
	}
	if m.Text == "" {
		return invalid("message", "text", "is empty")
	}
	texts := []struct{ field, value string }{
		{"text", m.Text}, {"author", m.Author}, {"reason", m.Reason}, {"query", m.Query},
	}
	for _, f := range texts {
		if err := checkText("message", f.field, f.value); err != nil {
			return err
		}
	}
	for i, c := range m.Citations {
		if err := checkText("message", fmt.Sprintf("citations[%d].title", i), c.Title); err != nil {
			return err
		}
	}
	for i, s := range m.Suggestions {
		if err := checkText("message", fmt.Sprintf("suggestions[%d]", i), s); err != nil {
			return err
		}
	}
	if m.Confidence != nil && !finite(*m.Confidence) {
		return invalid("message", "confidence", "is not a finite number")
	}
	return checkSentiment("message", "sentiment", m.Sentiment)
}

// Validate checks a turn key; the zero TurnKey (no Idempotency-Key) is valid.
func (k TurnKey) Validate() error {
	if k.Key == "" {
		return nil
	}
	if err := checkText("turn", "idempotency_key", k.Key); err != nil {
		return err
	}
	if utf8.RuneCountInString(k.Key) > MaxKeyLen {
		return invalid("turn", "idempotency_key", fmt.Sprintf("is longer than %d characters", MaxKeyLen))
	}
	if len(k.BodyHash) == 0 {
		return invalid("turn", "body_hash", "is empty")
	}
	return nil
}

// Validate checks an outcome, its reply and its ticket before anything is written.
func (o *Outcome) Validate() error {
	switch {
	case o.State != "" && !validState(o.State):
		return invalid("outcome", "state", fmt.Sprintf("unknown state %q", o.State))
	case o.LowStreak < 0 || o.HumanAsks < 0:
		return invalid("outcome", "low_streak", "counters cannot be negative")
	case o.UserMessageID < 0:
		return invalid("outcome", "user_message_id", "cannot be negative")
	}
	if err := checkText("outcome", "language", o.Language); err != nil {
		return err
	}
	if err := checkText("outcome", "user_query", o.UserQuery); err != nil {
		return err
	}
	if err := checkSentiment("outcome", "user_sentiment", o.UserSentiment); err != nil {
		return err
	}
	if o.Reply != nil {
		if err := o.Reply.Validate(); err != nil {
			return fmt.Errorf("reply: %w", err)
		}
	}
	if o.Gap != nil {
		if o.Gap.ConversationID != "" && !strings.EqualFold(o.Gap.ConversationID, o.ConversationID) {
			return invalid("outcome", "gap.conversation_id", "names another conversation")
		}
		if err := o.Gap.Validate(); err != nil {
			return err
		}
	}
	if o.Ticket != nil {
		if !strings.EqualFold(o.Ticket.ConversationID, o.ConversationID) {
			return invalid("outcome", "ticket.conversation_id", "names another conversation")
		}
		if err := o.Ticket.Validate(); err != nil {
			return err
		}
	}
	return nil
}

func validState(s State) bool {
	return s == StateBot || s == StateQueued || s == StateAgent || s == StateResolved
}

func checkSentiment(what, field string, s *Sentiment) error {
	if s == nil {
		return nil
	}
	if !finite(s.Score) {
		return invalid(what, field+".score", "is not a finite number")
	}
	return checkText(what, field+".label", s.Label)
}

// checkText refuses what PostgreSQL cannot store in text or jsonb: invalid UTF-8 and NUL.
func checkText(what, field, s string) error {
	if !utf8.ValidString(s) {
		return invalid(what, field, "is not valid UTF-8")
	}
	if strings.IndexByte(s, 0) >= 0 {
		return invalid(what, field, "contains a NUL character")
	}
	return nil
}

func finite(f float64) bool { return !math.IsNaN(f) && !math.IsInf(f, 0) }

func invalid(what, field, reason string) error {
	return fmt.Errorf("%s %s: %s: %w", what, field, reason, ErrInvalid)
}

// ValidID reports whether s is a conversation id: a UUID in its canonical 36-character form.
func ValidID(s string) bool { return len(s) == 36 && uuid.Validate(s) == nil }
