// Package postgres is the handoff.Store on PostgreSQL (migration 004_handoff.sql): tickets, the
// queues' waiting lines, and each ticket's history.
//
// InsertTicket is exported as a function of a transaction too, so that the bot's store writes
// a handoff's ticket in the transaction of the reply that announces it.
package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/faqbot/faqbot/handoff"
	"github.com/faqbot/faqbot/internal/postgres"
)

var _ handoff.Store = (*Store)(nil)

// Store is a handoff.Store on a pgx pool. It is safe for concurrent use.
type Store struct {
	pool *pgxpool.Pool
}

// New returns a store on pool, whose database internal/postgres.Migrate has brought up to date.
func New(pool *pgxpool.Pool) *Store { return &Store{pool: pool} }

// columns is the select list ticketRow scans by name, in table order.
var columns = []string{"id", "number", "conversation_id", "owner_id", "status", "priority", "queue",
	"category", "trigger", "reason", "question", "summary", "sentiment_trail", "candidates", "language",
	"created_at", "due_at", "assigned_to", "updated_at", "resolved_at", "lease_until", "first_response_at",
	"breached_at", "closed_at"}

// ticketColumns is columns for a SELECT; conversation_id is read as text.
var ticketColumns = selectList("")

func selectList(prefix string) string {
	out := make([]string, len(columns))
	for i, c := range columns {
		out[i] = prefix + c
		if c == "conversation_id" {
			out[i] = prefix + c + "::text AS conversation_id"
		}
	}
	return strings.Join(out, ", ")
}

type ticketRow struct {
	ID             int64                    `db:"id"`
	Number         string                   `db:"number"`
	ConversationID string                   `db:"conversation_id"`
	OwnerID        string                   `db:"owner_id"`
	Status         string                   `db:"status"`
	Priority       int                      `db:"priority"`
	Queue          string                   `db:"queue"`
	Category       string                   `db:"category"`
	Trigger        string                   `db:"trigger"`
	Reason         string                   `db:"reason"`
	Question       string                   `db:"question"`
	Summary        string                   `db:"summary"`
	SentimentTrail []handoff.SentimentPoint `db:"sentiment_trail"`
	Candidates     []handoff.Candidate      `db:"candidates"`
	Language       string                   `db:"language"`
	CreatedAt      time.Time                `db:"created_at"`
	DueAt          time.Time                `db:"due_at"`
	AssignedTo     string                   `db:"assigned_to"`
	UpdatedAt      time.Time                `db:"updated_at"`
	ResolvedAt     *time.Time               `db:"resolved_at"`
	LeaseUntil     *time.Time               `db:"lease_until"`
	FirstResponse  *time.Time               `db:"first_response_at"`
	BreachedAt     *time.Time               `db:"breached_at"`
	ClosedAt       *time.Time               `db:"closed_at"`
}

func (r ticketRow) ticket() handoff.Ticket {
	trail := make([]handoff.SentimentPoint, len(r.SentimentTrail))
	for i, p := range r.SentimentTrail {
		p.At = p.At.UTC()
		trail[i] = p
	}
	return handoff.Ticket{
		ID:             r.ID,
		Number:         r.Number,
		ConversationID: r.ConversationID,
		OwnerID:        r.OwnerID,
		Status:         handoff.Status(r.Status),
		Priority:       handoff.Priority(r.Priority),
		Queue:          r.Queue,
		Category:       r.Category,
		Trigger:        handoff.Trigger(r.Trigger),
		Reason:         r.Reason,
		Question:       r.Question,
		Summary:        r.Summary,
		SentimentTrail: trail,
		Candidates:     append([]handoff.Candidate{}, r.Candidates...),
		Language:       r.Language,
		CreatedAt:      r.CreatedAt.UTC(),
		DueAt:          r.DueAt.UTC(),
		AssignedTo:     r.AssignedTo,
		UpdatedAt:      r.UpdatedAt.UTC(),
		ResolvedAt:     utcOrZero(r.ResolvedAt),

		LeaseUntil:      utcOrZero(r.LeaseUntil),
		FirstResponseAt: utcOrZero(r.FirstResponse),
		BreachedAt:      utcOrZero(r.BreachedAt),
		ClosedAt:        utcOrZero(r.ClosedAt),
	}
}

func utcOrZero(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return t.UTC()
}

func oneTicket(rows pgx.Rows) (handoff.Ticket, error) {
	r, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[ticketRow])
	if err != nil {
		return handoff.Ticket{}, err
	}
	return r.ticket(), nil
}

// Ticket implements handoff.Store.
func (s *Store) Ticket(ctx context.Context, number string) (handoff.Ticket, error) {
	rows, _ := s.pool.Query(ctx, "SELECT "+ticketColumns+" FROM tickets WHERE number = $1", number)
	t, err := oneTicket(rows)
	if err != nil {
		return handoff.Ticket{}, lookupError(err, "ticket %q", number)
	}
	return t, nil
}

// OpenTicketFor implements handoff.Store; tickets_one_open_idx answers it.
func (s *Store) OpenTicketFor(ctx context.Context, conversationID string) (handoff.Ticket, error) {
	rows, _ := s.pool.Query(ctx, "SELECT "+ticketColumns+` FROM tickets
		WHERE conversation_id = $1 AND status IN ('queued', 'assigned')`, conversationID)
	t, err := oneTicket(rows)
	if err != nil {
		return handoff.Ticket{}, lookupError(err, "open ticket of conversation %q", conversationID)
	}
	return t, nil
}

// ResolvedTicketFor implements handoff.Store.
func (s *Store) ResolvedTicketFor(ctx context.Context, conversationID string) (handoff.Ticket, error) {
	rows, _ := s.pool.Query(ctx, "SELECT "+ticketColumns+` FROM tickets
		WHERE conversation_id = $1 AND status = 'resolved' ORDER BY id DESC LIMIT 1`, conversationID)
	t, err := oneTicket(rows)
	if err != nil {
		return handoff.Ticket{}, lookupError(err, "resolved ticket of conversation %q", conversationID)
	}
	return t, nil
}

const aheadQuery = `SELECT count(*) FROM tickets
	WHERE status = 'queued' AND queue = $1 AND (priority, due_at, id) < ($2, $3, $4)`

// Ahead implements handoff.Store: a count over the queue's index, whose order is the
// comparison itself.
func (s *Store) Ahead(ctx context.Context, t handoff.Ticket) (int, error) {
	var n int
	err := s.pool.QueryRow(ctx, aheadQuery, t.Queue, int(t.Priority), t.DueAt, t.ID).Scan(&n)
	if err != nil {
		return 0, dbError(err, "tickets ahead of %s", t.Number)
	}
	return n, nil
}

// escalate raises the priority, pulls the due time in and writes the event in one statement.
// cur locks the row first, so the old priority in the event is the one this update replaced.
var escalate = `WITH cur AS (
	SELECT id, priority FROM tickets WHERE number = $1 AND status = 'queued' FOR UPDATE
), up AS (
	UPDATE tickets t
	SET priority = greatest(cur.priority - 1, 1), due_at = least(t.due_at, $2), updated_at = $3
	FROM cur WHERE t.id = cur.id AND t.status = 'queued'
	RETURNING ` + selectList("t.") + `, cur.priority AS old_priority
), ev AS (
	INSERT INTO ticket_events (ticket_id, at, actor, kind, detail)
	SELECT id, $3, $5::text, 'escalated',
		jsonb_build_object('from', 'P' || old_priority, 'to', 'P' || priority, 'reason', $4::text)
	FROM up
)
SELECT ` + strings.Join(columns, ", ") + ` FROM up`

// Escalate implements handoff.Store. A ticket that is no longer queued is ErrConflict.
func (s *Store) Escalate(ctx context.Context, number string, dueAt time.Time, reason string) (handoff.Ticket, error) {
	switch {
	case dueAt.IsZero():
		return handoff.Ticket{}, fmt.Errorf("escalate: due_at is not set: %w", handoff.ErrInvalid)
	case strings.TrimSpace(reason) == "":
		return handoff.Ticket{}, fmt.Errorf("escalate: reason is empty: %w", handoff.ErrInvalid)
	}
	rows, _ := s.pool.Query(ctx, escalate, number, dueAt, now(), reason, handoff.ActorBot)
	t, err := oneTicket(rows)
	if errors.Is(err, pgx.ErrNoRows) {
		// Not there, or not queued: the second read only runs when the escalation failed.
		cur, err := s.Ticket(ctx, number)
		if err != nil {
			return handoff.Ticket{}, err
		}
		return handoff.Ticket{}, fmt.Errorf("ticket %s is %s, only a queued ticket can be escalated: %w",
			number, cur.Status, handoff.ErrConflict)
	}
	if err != nil {
		return handoff.Ticket{}, dbError(err, "escalate ticket %s", number)
	}
	return t, nil
}

type eventRow struct {
	ID       int64             `db:"id"`
	TicketID int64             `db:"ticket_id"`
	At       time.Time         `db:"at"`
	Actor    string            `db:"actor"`
	Kind     string            `db:"kind"`
	Detail   map[string]string `db:"detail"`
}

// Events implements handoff.Store.
func (s *Store) Events(ctx context.Context, number string) ([]handoff.Event, error) {
	rows, _ := s.pool.Query(ctx, `SELECT e.id, e.ticket_id, e.at, e.actor, e.kind, e.detail
		FROM tickets t JOIN ticket_events e ON e.ticket_id = t.id
		WHERE t.number = $1 ORDER BY e.id`, number)
	got, err := pgx.CollectRows(rows, pgx.RowToStructByName[eventRow])
	if err != nil {
		return nil, dbError(err, "events of ticket %s", number)
	}
	if len(got) == 0 {
		// No events may mean an unknown ticket; only that is an error.
		if _, err := s.Ticket(ctx, number); err != nil {
			return nil, err
		}
	}
	out := make([]handoff.Event, len(got))
	for i, r := range got {
		if r.Detail == nil {
			r.Detail = map[string]string{}
		}
		out[i] = handoff.Event{ID: r.ID, TicketID: r.TicketID, At: r.At.UTC(), Actor: r.Actor,
			Kind: handoff.EventKind(r.Kind), Detail: r.Detail}
	}
	return out, nil
}

// now is the stores' clock: UTC, in the microseconds PostgreSQL keeps.
func now() time.Time { return clock(time.Now()) }

// lookupError and dbError map driver errors to the domain's kinds, saying what was being done.
func lookupError(err error, format string, args ...any) error {
	return kinds.Lookup(err, fmt.Sprintf(format, args...))
}

func dbError(err error, format string, args ...any) error {
	return kinds.Wrap(err, fmt.Sprintf(format, args...))
}

var kinds = postgres.Kinds{
	NotFound: handoff.ErrNotFound, Conflict: handoff.ErrConflict, Invalid: handoff.ErrInvalid,
	Constraints: map[string]string{
		"tickets_number_key":   "the ticket number is already used",
		"tickets_one_open_idx": "the conversation already has an open ticket",
	},
	MissingRef: "the conversation does not exist",
}
