// Package handoff holds the tickets a conversation becomes when a human must take over: their
// numbers, queues, priorities and SLA due times, and (issue 4) the agents' workflow.
package handoff

import (
	"context"
	"errors"
	"time"
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
	// InsertTicket stores t, setting ID; a duplicate Number is ErrConflict.
	InsertTicket(ctx context.Context, t *Ticket) error
	// Ticket returns the ticket with this number.
	Ticket(ctx context.Context, number string) (Ticket, error)
	// OpenTicketFor returns the conversation's ticket that is queued or assigned.
	OpenTicketFor(ctx context.Context, conversationID string) (Ticket, error)
	// Ahead counts the queued tickets of t's queue that will be picked before t: higher
	// priority, or the same priority and an earlier due time (then earlier id).
	Ahead(ctx context.Context, t Ticket) (int, error)
	// Escalate raises a queued ticket's priority by one tier (not past P1), moves its due time
	// to now + the new tier's SLA if that is sooner, and records why.
	Escalate(ctx context.Context, number string, dueAt time.Time, reason string) (Ticket, error)
}
