// Package bot is the dialogue engine: conversations with seven turns of memory, sentiment,
// question rewriting, retrieval, calibrated confidence, and the decision to answer, ask back
// or hand over to a human.
package bot

import (
	"context"
	"errors"
	"time"

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
	State          State
	LowStreak      int
	HumanAsks      int
	Language       string
	Ticket         *handoff.Ticket // a new ticket to insert, or nil
}

// Store keeps conversations and messages. Implementations: bot/memory and bot/postgres; both
// pass bot/storetest.
type Store interface {
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
	// counters and language, and the ticket if any, in one transaction.
	FinishTurn(ctx context.Context, o *Outcome) error
	// AppendMessage adds a message outside a bot turn (an agent's reply, a system notice).
	AppendMessage(ctx context.Context, msg *Message) error
	// SetState changes the conversation's state (an agent claims or resolves).
	SetState(ctx context.Context, conversationID string, state State) error
	// Messages returns the messages with Seq > afterSeq, oldest first, at most limit.
	Messages(ctx context.Context, conversationID string, afterSeq int64, limit int) ([]Message, error)
	// Recent returns the last n messages of the conversation, oldest first.
	Recent(ctx context.Context, conversationID string, n int) ([]Message, error)
}
