package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/faqbot/faqbot/handoff"
)

// resolve closes the human part of a ticket and writes the event in one statement. cur locks
// the row first: of two agents resolving at once, the second finds the ticket resolved.
var resolve = `WITH cur AS (
	SELECT id, status FROM tickets WHERE number = $1 AND status IN ('queued', 'assigned') FOR UPDATE
), up AS (
	UPDATE tickets t SET status = 'resolved', resolved_at = $2, updated_at = $2, lease_until = NULL
	FROM cur WHERE t.id = cur.id
	RETURNING ` + selectList("t.") + `, cur.status AS old_status
), ev AS (
	INSERT INTO ticket_events (ticket_id, at, actor, kind, detail)
	SELECT id, $2, $3::text, 'resolved', jsonb_build_object('from', old_status) FROM up
)
SELECT ` + strings.Join(columns, ", ") + ` FROM up`

// Resolve implements handoff.Store.
func (s *Store) Resolve(ctx context.Context, number, actor string) (handoff.Ticket, error) {
	if err := handoff.CheckActor(actor); err != nil {
		return handoff.Ticket{}, err
	}
	rows, _ := s.pool.Query(ctx, resolve, number, now(), actor)
	t, err := oneTicket(rows)
	if errors.Is(err, pgx.ErrNoRows) {
		// Not there, or no longer open: the second read only runs when resolving failed.
		cur, err := s.Ticket(ctx, number)
		if err != nil {
			return handoff.Ticket{}, err
		}
		return handoff.Ticket{}, fmt.Errorf("resolve ticket %s, which is %s: %w", number, cur.Status, handoff.ErrAlreadyResolved)
	}
	if err != nil {
		return handoff.Ticket{}, dbError(err, "resolve ticket %s", number)
	}
	return t, nil
}

// rated stores the rating, closes the ticket and writes the event; rate has locked the row
// and checked that it is resolved and the caller's.
const rated = `WITH r AS (
	INSERT INTO ratings (ticket_id, score, comment, created_at) VALUES ($1, $2, $3, $4)
	RETURNING ticket_id
), up AS (
	UPDATE tickets SET status = 'closed', updated_at = $4, closed_at = $4 FROM r WHERE tickets.id = r.ticket_id
), ev AS (
	INSERT INTO ticket_events (ticket_id, at, actor, kind, detail)
	SELECT ticket_id, $4, $5::text, 'rated', jsonb_build_object('score', $2::text) FROM r
)
SELECT ticket_id FROM r`

// Rate implements handoff.Store. The owner check is in the WHERE: another owner's ticket is
// not found, not forbidden. The row lock makes concurrent ratings wait for each other; each
// next statement of the transaction sees what the one before it committed, so the losers
// read the winner's rating and say "already rated". The ratings key backs that up.
func (s *Store) Rate(ctx context.Context, number, ownerID string, score int, comment string) (handoff.Rating, error) {
	rating := handoff.Rating{TicketNumber: number, Score: score, Comment: comment}
	if err := rating.Validate(); err != nil {
		return handoff.Rating{}, err
	}
	rating.CreatedAt = now()
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var id int64
		var status string
		err := tx.QueryRow(ctx, "SELECT id, status FROM tickets WHERE number = $1 AND owner_id = $2 FOR UPDATE",
			number, ownerID).Scan(&id, &status)
		if err != nil {
			return lookupError(err, "ticket %q", number)
		}
		if status != string(handoff.StatusResolved) {
			return notRatable(ctx, tx, id, number, status)
		}
		var got int64
		err = tx.QueryRow(ctx, rated, id, score, comment, rating.CreatedAt, handoff.ActorUser).Scan(&got)
		if err != nil {
			return rateError(err, number)
		}
		return nil
	})
	if err != nil {
		return handoff.Rating{}, err
	}
	return rating, nil
}

// notRatable says why a ticket that is not resolved cannot be rated.
func notRatable(ctx context.Context, tx pgx.Tx, id int64, number, status string) error {
	var done bool
	if err := tx.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM ratings WHERE ticket_id = $1)", id).Scan(&done); err != nil {
		return dbError(err, "rating of ticket %s", number)
	}
	switch {
	case done:
		return fmt.Errorf("rate ticket %s: %w", number, handoff.ErrAlreadyRated)
	case status == string(handoff.StatusClosed):
		return fmt.Errorf("rate ticket %s: it is closed: %w", number, handoff.ErrConflict)
	}
	return fmt.Errorf("rate ticket %s, which is %s: %w", number, status, handoff.ErrNotResolved)
}

// rateError words the ratings key's refusal like the check that normally comes first.
func rateError(err error, number string) error {
	if pgErr, ok := errors.AsType[*pgconn.PgError](err); ok && pgErr.ConstraintName == "ratings_pkey" {
		return fmt.Errorf("rate ticket %s: %w", number, handoff.ErrAlreadyRated)
	}
	return dbError(err, "rate ticket %s", number)
}

type ratingRow struct {
	Number    string    `db:"number"`
	Score     int       `db:"score"`
	Comment   string    `db:"comment"`
	CreatedAt time.Time `db:"created_at"`
}

// Rating implements handoff.Store.
func (s *Store) Rating(ctx context.Context, number string) (handoff.Rating, error) {
	rows, _ := s.pool.Query(ctx, `SELECT t.number, r.score, r.comment, r.created_at
		FROM tickets t JOIN ratings r ON r.ticket_id = t.id WHERE t.number = $1`, number)
	r, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[ratingRow])
	if err != nil {
		return handoff.Rating{}, lookupError(err, "rating of ticket %q", number)
	}
	return handoff.Rating{TicketNumber: r.Number, Score: r.Score, Comment: r.Comment, CreatedAt: r.CreatedAt.UTC()}, nil
}
