// Package postgres is the bot.Store on PostgreSQL (migration 003_bot.sql): conversations,
// their messages and the Idempotency-Keys of turns. A handoff's ticket is written with
// handoff/postgres.InsertTicket in the transaction of the reply that announces it.
//
// Every turn runs BeginTurn, Recent and FinishTurn, so each is one statement, one round trip,
// on its common path: seqs come from the conversation row (UPDATE ... RETURNING last_seq) in
// the statement that inserts the message, which orders a conversation's writers without gaps.
package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/faqbot/faqbot/bot"
	"github.com/faqbot/faqbot/handoff"
	"github.com/faqbot/faqbot/internal/postgres"
)

var _ bot.Store = (*Store)(nil)

// Store is a bot.Store on a pgx pool. It is safe for concurrent use.
type Store struct {
	pool *pgxpool.Pool
}

// New returns a store on pool, whose database internal/postgres.Migrate has brought up to date.
func New(pool *pgxpool.Pool) *Store { return &Store{pool: pool} }

const conversationColumns = `id::text AS id, owner_id, token_hash, language, state, low_streak,
	human_asks, created_at, updated_at`

type conversationRow struct {
	ID        string    `db:"id"`
	OwnerID   string    `db:"owner_id"`
	TokenHash []byte    `db:"token_hash"`
	Language  string    `db:"language"`
	State     string    `db:"state"`
	LowStreak int       `db:"low_streak"`
	HumanAsks int       `db:"human_asks"`
	CreatedAt time.Time `db:"created_at"`
	UpdatedAt time.Time `db:"updated_at"`
}

func (r conversationRow) conversation() bot.Conversation {
	return bot.Conversation{
		ID: r.ID, OwnerID: r.OwnerID, TokenHash: r.TokenHash, Language: r.Language, State: bot.State(r.State),
		LowStreak: r.LowStreak, HumanAsks: r.HumanAsks, CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(),
	}
}

func oneConversation(rows pgx.Rows) (bot.Conversation, error) {
	r, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[conversationRow])
	if err != nil {
		return bot.Conversation{}, err
	}
	return r.conversation(), nil
}

// CreateConversation implements bot.Store: it sets ID (a new UUID when empty), CreatedAt and
// UpdatedAt; an empty State becomes bot.StateBot.
func (s *Store) CreateConversation(ctx context.Context, c *bot.Conversation) error {
	if c.State == "" {
		c.State = bot.StateBot
	}
	if len(c.TokenHash) == 0 {
		c.TokenHash = nil
	}
	if err := c.Validate(); err != nil {
		return err
	}
	now := now()
	var id string
	err := s.pool.QueryRow(ctx, `INSERT INTO conversations
		(id, owner_id, token_hash, language, state, low_streak, human_asks, created_at, updated_at)
		VALUES (coalesce(nullif($1::text, '')::uuid, gen_random_uuid()), $2, $3, $4, $5, $6, $7, $8, $8)
		RETURNING id::text`,
		c.ID, c.OwnerID, c.TokenHash, c.Language, string(c.State), c.LowStreak, c.HumanAsks, now).Scan(&id)
	if err != nil {
		return dbError(err, "create conversation")
	}
	c.ID, c.CreatedAt, c.UpdatedAt = id, now, now
	return nil
}

// Conversation implements bot.Store; the owner is part of the WHERE clause.
func (s *Store) Conversation(ctx context.Context, id, ownerID string) (bot.Conversation, error) {
	rows, _ := s.pool.Query(ctx, "SELECT "+conversationColumns+` FROM conversations
		WHERE id = $1 AND owner_id = $2`, id, ownerID)
	c, err := oneConversation(rows)
	if err != nil {
		return bot.Conversation{}, lookupError(err, "conversation %q", id)
	}
	return c, nil
}

// ConversationByToken implements bot.Store.
func (s *Store) ConversationByToken(ctx context.Context, tokenHash []byte) (bot.Conversation, error) {
	if len(tokenHash) == 0 {
		return bot.Conversation{}, fmt.Errorf("conversation by token: %w", bot.ErrNotFound)
	}
	rows, _ := s.pool.Query(ctx, "SELECT "+conversationColumns+" FROM conversations WHERE token_hash = $1", tokenHash)
	c, err := oneConversation(rows)
	if err != nil {
		return bot.Conversation{}, lookupError(err, "conversation by token")
	}
	return c, nil
}

// SetState implements bot.Store.
func (s *Store) SetState(ctx context.Context, conversationID string, state bot.State) error {
	switch state {
	case bot.StateBot, bot.StateQueued, bot.StateAgent, bot.StateResolved:
	default:
		return fmt.Errorf("conversation state: unknown state %q: %w", state, bot.ErrInvalid)
	}
	tag, err := s.pool.Exec(ctx, "UPDATE conversations SET state = $2, updated_at = $3 WHERE id = $1",
		conversationID, string(state), now())
	if err != nil {
		return lookupError(err, "set the state of conversation %q", conversationID)
	}
	if tag.RowsAffected() == 0 {
		return notFound(conversationID)
	}
	return nil
}

// exists tells an unknown conversation from one without (matching) messages; reads only call
// it when they found nothing.
func (s *Store) exists(ctx context.Context, id string) error {
	var ok bool
	if err := s.pool.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM conversations WHERE id = $1)", id).Scan(&ok); err != nil {
		return lookupError(err, "conversation %q", id)
	}
	if !ok {
		return notFound(id)
	}
	return nil
}

// now is the stores' clock: UTC, in the microseconds PostgreSQL keeps.
func now() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }

func notFound(id string) error {
	return fmt.Errorf("conversation %q: %w", id, bot.ErrNotFound)
}

// lookupError and dbError map driver errors to the domain's kinds, saying what was being done.
func lookupError(err error, format string, args ...any) error {
	return kinds.Lookup(err, fmt.Sprintf(format, args...))
}

func dbError(err error, format string, args ...any) error {
	return kinds.Wrap(err, fmt.Sprintf(format, args...))
}

var kinds = postgres.Kinds{
	NotFound: bot.ErrNotFound, Conflict: bot.ErrConflict, Invalid: bot.ErrInvalid,
	Constraints: map[string]string{
		"conversations_pkey":           "a conversation with this id exists",
		"conversations_token_hash_key": "the conversation token is already used",
	},
	MissingRef: "the conversation does not exist",
}

// ticketError gives an error of the ticket store the bot's kind as well, keeping its message.
func ticketError(err error) error {
	switch {
	case errors.Is(err, handoff.ErrConflict):
		return kindError{err, bot.ErrConflict}
	case errors.Is(err, handoff.ErrInvalid):
		return kindError{err, bot.ErrInvalid}
	case errors.Is(err, handoff.ErrNotFound):
		return kindError{err, bot.ErrNotFound}
	}
	return err
}

// kindError is err that is also of the bot's error kind.
type kindError struct{ err, kind error }

func (e kindError) Error() string   { return "open ticket: " + e.err.Error() }
func (e kindError) Unwrap() []error { return []error{e.err, e.kind} }

// canonical is how PostgreSQL spells a UUID; stores hand ids back in this form.
func canonical(id string) string { return strings.ToLower(id) }
