// Package handoff holds the tickets a conversation becomes when a human must take over: their
// numbers, queues, priorities and SLA due times, and (issue 4) the agents' workflow.
package handoff

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
)

// The closed set of error kinds of the handoff domain.
var (
	ErrNotFound = errors.New("not found")
	ErrConflict = errors.New("conflict")
	ErrInvalid  = errors.New("invalid")
)

// Status is where a ticket is in its life.
type Status string

const (
	StatusQueued   Status = "queued"
	StatusAssigned Status = "assigned"
	StatusResolved Status = "resolved"
	StatusClosed   Status = "closed"
)

// Priority is P1 (most urgent) to P3.
type Priority int

const (
	P1 Priority = 1 // high risk: account stolen, fraud, charged twice, personal safety
	P2 Priority = 2 // urgent: payment failed, live stream broken
	P3 Priority = 3 // normal
)

func (p Priority) String() string {
	switch p {
	case P1:
		return "P1"
	case P2:
		return "P2"
	default:
		return "P3"
	}
}

// Trigger says why the bot handed over, as a code; Ticket.Reason says it in words.
type Trigger string

const (
	TriggerUserRequest   Trigger = "user_request"
	TriggerAngry         Trigger = "angry"
	TriggerWorsening     Trigger = "worsening_sentiment"
	TriggerLowConfidence Trigger = "low_confidence"
	TriggerHighRisk      Trigger = "high_risk"
)

// SentimentPoint is one user message's mood, for the agent's view of how the chat went.
type SentimentPoint struct {
	Label string    `json:"label"`
	Score float64   `json:"score"`
	At    time.Time `json:"at"`
}

// Candidate is an answer the bot considered, offered to the agent.
type Candidate struct {
	ArticleID int64   `json:"article_id"`
	Title     string  `json:"title"`
	Answer    string  `json:"answer"`
	Score     float64 `json:"score"`
}

// Ticket is one handoff of a conversation to humans.
type Ticket struct {
	ID             int64
	Number         string // short, readable, not guessable: see NewNumber
	ConversationID string
	OwnerID        string // the end user the conversation belongs to
	Status         Status
	Priority       Priority
	Queue          string
	Category       string
	Trigger        Trigger
	Reason         string // the trigger in words an agent understands
	Question       string // the user's question, standalone (after rewriting)
	Summary        string // the last turns, condensed
	SentimentTrail []SentimentPoint
	Candidates     []Candidate
	Language       string
	CreatedAt      time.Time
	DueAt          time.Time // first response is due by then (SLA)
	AssignedTo     string
	UpdatedAt      time.Time
	ResolvedAt     time.Time // zero until an agent resolves the ticket
}

// Ref is what a user sees of a ticket.
type Ref struct {
	Number   string `json:"number"`
	Status   Status `json:"status"`
	Priority string `json:"priority"`
	Queue    string `json:"queue"`
}

// Ref returns the user's view of t.
func (t Ticket) Ref() Ref {
	return Ref{Number: t.Number, Status: t.Status, Priority: t.Priority.String(), Queue: t.Queue}
}

// Place is a queued ticket's position and the expected wait.
type Place struct {
	Position     int // 1 = next to be picked up
	ExpectedWait time.Duration
}

// Store keeps tickets. Implementations: handoff/memory and handoff/postgres; both pass
// handoff/storetest. The bot creates tickets through its own store in the same transaction
// as the reply (bot/postgres calls handoff/postgres.InsertTicket with its transaction).
type Store interface {
	// InsertTicket stores t, setting ID, and records its creation as an event. A duplicate
	// Number is ErrConflict, and so is a second open (queued or assigned) ticket of a
	// conversation.
	InsertTicket(ctx context.Context, t *Ticket) error
	// Ticket returns the ticket with this number.
	Ticket(ctx context.Context, number string) (Ticket, error)
	// OpenTicketFor returns the conversation's ticket that is queued or assigned.
	OpenTicketFor(ctx context.Context, conversationID string) (Ticket, error)
	// Ahead counts the queued tickets of t's queue that will be picked before t: higher
	// priority, or the same priority and an earlier due time (then earlier id).
	Ahead(ctx context.Context, t Ticket) (int, error)
	// Escalate raises a queued ticket's priority by one tier (not past P1), moves its due time
	// to now + the new tier's SLA if that is sooner, and records why. A ticket that is no
	// longer queued is ErrConflict.
	Escalate(ctx context.Context, number string, dueAt time.Time, reason string) (Ticket, error)
	// Events returns the ticket's history, oldest first.
	Events(ctx context.Context, number string) ([]Event, error)
	// Resolve moves a queued or assigned ticket to resolved, sets ResolvedAt and records the
	// event under actor. A resolved or closed ticket is ErrAlreadyResolved (an ErrConflict).
	Resolve(ctx context.Context, number, actor string) (Ticket, error)
	// Rate stores the owner's rating of a resolved ticket, closes the ticket and records the
	// event, all at once. Another owner's ticket is ErrNotFound, exactly like an unknown one;
	// a ticket not resolved yet is ErrNotResolved, a second rating ErrAlreadyRated (both
	// ErrConflict); a bad score or comment is ErrInvalid naming the field. Of concurrent
	// ratings of one ticket, exactly one succeeds.
	Rate(ctx context.Context, number, ownerID string, score int, comment string) (Rating, error)
	// Rating returns the ticket's rating; a ticket without one is ErrNotFound.
	Rating(ctx context.Context, number string) (Rating, error)
}

// EventKind names what happened to a ticket.
type EventKind string

const (
	EventCreated   EventKind = "created"
	EventEscalated EventKind = "escalated"
	EventResolved  EventKind = "resolved"
	EventRated     EventKind = "rated"
)

// ActorBot is the actor of what the bot does to a ticket; agents act under their names.
const ActorBot = "bot"

// ActorUser is the actor of what the ticket's owner does (rating it); the ticket names the
// owner already, and the history an agent reads should not repeat a host app's user id.
const ActorUser = "user"

// Event is one entry of a ticket's history. Detail holds the facts of the kind, as strings
// (for EventCreated: trigger, priority, queue, reason; for EventEscalated: from, to, reason;
// for EventResolved: from, the status it left; for EventRated: score).
type Event struct {
	ID       int64
	TicketID int64
	At       time.Time
	Actor    string
	Kind     EventKind
	Detail   map[string]string
}

// Validate checks a ticket before it is stored and names the first field that is wrong. It
// holds the stores to the same rules, so the in-memory store refuses what PostgreSQL would.
func (t *Ticket) Validate() error {
	texts := []struct{ field, value string }{
		{"number", t.Number}, {"owner_id", t.OwnerID}, {"queue", t.Queue}, {"category", t.Category},
		{"trigger", string(t.Trigger)}, {"reason", t.Reason}, {"question", t.Question},
		{"summary", t.Summary}, {"language", t.Language}, {"assigned_to", t.AssignedTo},
	}
	for _, f := range texts {
		if err := checkText(f.field, f.value); err != nil {
			return err
		}
	}
	switch {
	case t.Number == "" || len(t.Number) > 32:
		return invalid("number", "must have 1 to 32 characters")
	case len(t.ConversationID) != 36 || uuid.Validate(t.ConversationID) != nil:
		return invalid("conversation_id", "must be a UUID")
	case t.OwnerID == "":
		return invalid("owner_id", "is empty")
	case t.Status != StatusQueued && t.Status != StatusAssigned && t.Status != StatusResolved && t.Status != StatusClosed:
		return invalid("status", fmt.Sprintf("unknown status %q", t.Status))
	case t.Priority < P1 || t.Priority > P3:
		return invalid("priority", fmt.Sprintf("must be 1 to 3, got %d", t.Priority))
	case t.Queue == "":
		return invalid("queue", "is empty")
	case t.DueAt.IsZero():
		return invalid("due_at", "is not set")
	}
	for i, p := range t.SentimentTrail {
		if err := checkText(fmt.Sprintf("sentiment_trail[%d].label", i), p.Label); err != nil {
			return err
		}
		if math.IsNaN(p.Score) || math.IsInf(p.Score, 0) {
			return invalid(fmt.Sprintf("sentiment_trail[%d].score", i), "is not a finite number")
		}
	}
	for i, c := range t.Candidates {
		if err := checkText(fmt.Sprintf("candidates[%d].title", i), c.Title); err != nil {
			return err
		}
		if err := checkText(fmt.Sprintf("candidates[%d].answer", i), c.Answer); err != nil {
			return err
		}
		if math.IsNaN(c.Score) || math.IsInf(c.Score, 0) {
			return invalid(fmt.Sprintf("candidates[%d].score", i), "is not a finite number")
		}
	}
	return nil
}

// checkText refuses what PostgreSQL cannot store in text or jsonb: invalid UTF-8 and NUL.
func checkText(field, s string) error {
	if !utf8.ValidString(s) {
		return invalid(field, "is not valid UTF-8")
	}
	if strings.IndexByte(s, 0) >= 0 {
		return invalid(field, "contains a NUL character")
	}
	return nil
}

func invalid(field, reason string) error {
	return fmt.Errorf("ticket %s: %s: %w", field, reason, ErrInvalid)
}
