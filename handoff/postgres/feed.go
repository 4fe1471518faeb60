package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/faqbot/faqbot/handoff"
	"github.com/faqbot/faqbot/internal/postgres"
)

// The event feed. An event's id is taken when its row is written, but rows become visible
// when their transactions commit, and those orders differ: a reader may see event 11 while
// event 10 is still being committed. A tailer that moved its position to 11 would never see
// 10. So EventsAfter hands out only a settled prefix: events up to the first missing id,
// unless it knows the missing id is gone for good (its transaction rolled back).
//
// It knows that from the snapshot of its read. The writer of a missing id below a visible one
// took that id before the visible row's writer took its own, so it was running before the
// read began: it is either among the snapshot's in-progress transactions or it rolled back.
// Once every transaction in progress at the read has ended, a second read sees all of them;
// every id up to the first read's last is then settled, written or gone.

// feedSettle bounds how long EventsAfter waits for the transactions that may still fill a
// gap; past it, the reader gets the events before the gap and comes back for the rest.
var feedSettle = 2 * time.Second

type feedRow struct {
	ID       int64             `db:"id"`
	TicketID int64             `db:"ticket_id"`
	Number   string            `db:"number"`
	Queue    string            `db:"queue"`
	At       time.Time         `db:"at"`
	Actor    string            `db:"actor"`
	Kind     string            `db:"kind"`
	Detail   map[string]string `db:"detail"`
}

const feedQuery = `SELECT e.id, e.ticket_id, t.number, e.queue, e.at, e.actor, e.kind, e.detail
	FROM ticket_events e JOIN tickets t ON t.id = e.ticket_id
	WHERE e.id > $1 ORDER BY e.id LIMIT $2`

// EventsAfter implements handoff.Store: the settled prefix of a page of the log (see
// postgres.ReadSettled).
func (s *Store) EventsAfter(ctx context.Context, afterID int64, limit int) ([]handoff.Event, error) {
	if err := handoff.CheckEventsAfter(afterID, limit); err != nil {
		return nil, err
	}
	read := func(ctx context.Context, tx pgx.Tx) ([]handoff.Event, error) {
		rows, _ := tx.Query(ctx, feedQuery, afterID, limit)
		got, err := pgx.CollectRows(rows, pgx.RowToStructByName[feedRow])
		if err != nil {
			return nil, err
		}
		out := make([]handoff.Event, len(got))
		for i, r := range got {
			if r.Detail == nil {
				r.Detail = map[string]string{}
			}
			out[i] = handoff.Event{ID: r.ID, TicketID: r.TicketID, Number: r.Number, Queue: r.Queue,
				At: r.At.UTC(), Actor: r.Actor, Kind: handoff.EventKind(r.Kind), Detail: r.Detail}
		}
		return out, nil
	}
	events, err := postgres.ReadSettled(ctx, s.pool, afterID, feedSettle, read, func(e handoff.Event) int64 { return e.ID })
	if err != nil {
		return nil, dbError(err, "events after %d", afterID)
	}
	return events, nil
}
