package postgres_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/faqbot/faqbot/handoff"
	"github.com/faqbot/faqbot/handoff/postgres"
	"github.com/faqbot/faqbot/internal/postgres/pgtest"
)

// TestWorkflowPlans checks that each of the workflow's reads goes through its index on a
// table shaped like production's: most tickets long closed, a few waiting or held.
func TestWorkflowPlans(t *testing.T) {
	ctx := context.Background()
	pool := pgtest.New(t)
	seed(t, pool, 100, 5000, benchQueues)
	// Some held with leases, some resolved and waiting for a rating.
	_, err := pool.Exec(ctx, `UPDATE tickets SET status = 'assigned', assigned_to = 'a', lease_until = now() + interval '5 minutes'
		WHERE id IN (SELECT id FROM tickets WHERE status = 'queued' LIMIT 30)`)
	require.NoError(t, err)
	_, err = pool.Exec(ctx, `UPDATE tickets SET status = 'resolved', closed_at = NULL
		WHERE id IN (SELECT id FROM tickets WHERE status = 'closed' LIMIT 100)`)
	require.NoError(t, err)
	_, err = pool.Exec(ctx, "ANALYZE tickets")
	require.NoError(t, err)

	now := time.Now()
	dues := []time.Time{now, now, now}
	texts := []string{"", "", ""}
	cases := []struct {
		name, sql, index string
		args             []any
	}{
		{"claim of one queue", postgres.ClaimOneQuery, "tickets_queued_idx", []any{"a", now, now, "", "payment"}},
		{"claim of every queue", postgres.ClaimAnyQuery, "tickets_claim_idx", []any{"a", now, now, ""}},
		{"claim of some queues", postgres.ClaimAmongQuery, "tickets_", []any{"a", now, now, "", []string{"payment", "ads"}}},
		{"lapsed leases", postgres.ReleaseQuery, "tickets_lease_idx", []any{now, handoff.ActorBot}},
		{"breaches", postgres.BreachQuery, "tickets_unanswered_idx", []any{now, dues, texts, handoff.ActorBot}},
		{"unrated", postgres.CloseUnratedQuery, "tickets_resolved_idx", []any{now, now, handoff.ActorBot}},
	}
	for _, tc := range cases {
		rows, _ := pool.Query(ctx, "EXPLAIN (COSTS OFF) "+tc.sql, tc.args...)
		plan, err := pgx.CollectRows(rows, pgx.RowTo[string])
		require.NoError(t, err, tc.name)
		text := strings.Join(plan, "\n")
		t.Logf("%s:\n%s", tc.name, text)
		assert.Contains(t, text, "Index", "%s:\n%s", tc.name, text)
		assert.Contains(t, text, tc.index, "%s:\n%s", tc.name, text)
		assert.NotContains(t, text, "Seq Scan on tickets", "%s:\n%s", tc.name, text)
	}
}

// TestEventsAfterWaitsForGaps is the feed's promise under concurrency: an event whose
// transaction commits after a later event's is still handed out, in order, and an event of a
// transaction that rolled back leaves a gap the feed steps over.
func TestEventsAfterWaitsForGaps(t *testing.T) {
	ctx := context.Background()
	pool := pgtest.New(t)
	store := postgres.New(pool)
	newConversation := conversations(pool)
	ticket := func() *handoff.Ticket {
		return newQueued(newConversation(t, "u"), "general", handoff.P3, time.Now())
	}
	defer postgres.SetFeedSettle(50 * time.Millisecond)()

	first := ticket()
	require.NoError(t, store.InsertTicket(ctx, first))
	start := lastID(t, store, first.Number)

	// A transaction takes the next event id and stays open while another commits a later one.
	slow, fast := ticket(), ticket()
	tx, err := pool.Begin(ctx)
	require.NoError(t, err)
	require.NoError(t, postgres.InsertTicket(ctx, tx, slow))
	require.NoError(t, store.InsertTicket(ctx, fast))
	got, err := store.EventsAfter(ctx, start, 10)
	require.NoError(t, err)
	assert.Empty(t, got, "the later event waits for the earlier one")

	// The reader waits for the open transaction when it ends soon enough.
	defer postgres.SetFeedSettle(time.Minute)()
	done := make(chan []handoff.Event, 1)
	go func() {
		evs, err := store.EventsAfter(ctx, start, 10)
		assert.NoError(t, err)
		done <- evs
	}()
	require.NoError(t, tx.Commit(ctx))
	got = <-done
	assert.Equal(t, []string{slow.Number, fast.Number}, eventNumbers(got), "both, in id order")
	after := got[len(got)-1].ID

	// A rolled back event leaves a hole for good; the feed goes on past it.
	lost, next := ticket(), ticket()
	tx, err = pool.Begin(ctx)
	require.NoError(t, err)
	require.NoError(t, postgres.InsertTicket(ctx, tx, lost))
	require.NoError(t, store.InsertTicket(ctx, next))
	require.NoError(t, tx.Rollback(ctx))
	got, err = store.EventsAfter(ctx, after, 10)
	require.NoError(t, err)
	assert.Equal(t, []string{next.Number}, eventNumbers(got))
	assert.Greater(t, got[0].ID, after+1, "past the hole")
}

func lastID(t *testing.T, store *postgres.Store, number string) int64 {
	t.Helper()
	events, err := store.Events(context.Background(), number)
	require.NoError(t, err)
	require.NotEmpty(t, events)
	return events[len(events)-1].ID
}

func eventNumbers(events []handoff.Event) []string {
	out := make([]string, len(events))
	for i, e := range events {
		out[i] = e.Number
	}
	return out
}
