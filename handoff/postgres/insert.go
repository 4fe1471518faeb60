package postgres

import (
	"context"
	"encoding/json"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/faqbot/faqbot/handoff"
)

// insert writes the ticket and its creation event in one statement.
const insert = `WITH t AS (
	INSERT INTO tickets (number, conversation_id, owner_id, status, priority, queue, category,
		trigger, reason, question, summary, sentiment_trail, candidates, language, created_at,
		due_at, assigned_to, updated_at, resolved_at, lease_until, first_response_at, breached_at, closed_at)
	VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $21, $22, $23,
		$24, $25)
	RETURNING id
), e AS (
	INSERT INTO ticket_events (ticket_id, at, actor, kind, detail)
	SELECT id, $15::timestamptz, $19::text, 'created', $20::jsonb FROM t
)
SELECT id FROM t`

// querier is what a pool and a transaction have in common here.
type querier interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// InsertTicket implements handoff.Store.
func (s *Store) InsertTicket(ctx context.Context, t *handoff.Ticket) error {
	return insertTicket(ctx, s.pool, t)
}

// InsertTicket writes t and its creation event within tx, setting t.ID: the bot's store calls
// it in the transaction of the reply that hands over. A duplicate number, or a second open
// ticket of the conversation, is handoff.ErrConflict (and tx is then aborted); an unknown
// conversation is handoff.ErrNotFound.
func InsertTicket(ctx context.Context, tx pgx.Tx, t *handoff.Ticket) error {
	return insertTicket(ctx, tx, t)
}

func insertTicket(ctx context.Context, q querier, t *handoff.Ticket) error {
	if t.CreatedAt.IsZero() {
		t.CreatedAt = now()
	}
	if t.UpdatedAt.IsZero() {
		t.UpdatedAt = t.CreatedAt
	}
	t.CreatedAt, t.UpdatedAt, t.DueAt = clock(t.CreatedAt), clock(t.UpdatedAt), clock(t.DueAt)
	// The times a ticket may carry or not: stored in microseconds, NULL when zero.
	optional := []*time.Time{&t.ResolvedAt, &t.LeaseUntil, &t.FirstResponseAt, &t.BreachedAt, &t.ClosedAt}
	nullable := make([]*time.Time, len(optional))
	for i, at := range optional {
		if !at.IsZero() {
			*at = clock(*at)
			nullable[i] = at
		}
	}
	if err := t.Validate(); err != nil {
		return err
	}
	trail, err := json.Marshal(utcTrail(t.SentimentTrail))
	if err != nil {
		return dbError(err, "encode the sentiment trail")
	}
	cands, err := json.Marshal(nonNil(t.Candidates))
	if err != nil {
		return dbError(err, "encode the candidates")
	}
	detail, err := json.Marshal(map[string]string{
		"trigger": string(t.Trigger), "priority": t.Priority.String(), "queue": t.Queue, "reason": t.Reason,
	})
	if err != nil {
		return dbError(err, "encode the event")
	}
	var id int64
	err = q.QueryRow(ctx, insert, t.Number, t.ConversationID, t.OwnerID, string(t.Status), int(t.Priority),
		t.Queue, t.Category, string(t.Trigger), t.Reason, t.Question, t.Summary, trail, cands, t.Language,
		t.CreatedAt, t.DueAt, t.AssignedTo, t.UpdatedAt, handoff.ActorBot, detail, nullable[0], nullable[1], nullable[2],
		nullable[3], nullable[4]).Scan(&id)
	if err != nil {
		return dbError(err, "insert ticket %s", t.Number)
	}
	t.ID = id
	return nil
}

func utcTrail(in []handoff.SentimentPoint) []handoff.SentimentPoint {
	out := make([]handoff.SentimentPoint, len(in))
	for i, p := range in {
		p.At = p.At.UTC()
		out[i] = p
	}
	return out
}

func nonNil(c []handoff.Candidate) []handoff.Candidate {
	if c == nil {
		return []handoff.Candidate{}
	}
	return c
}

func clock(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }
