package postgres_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/faqbot/faqbot/handoff"
	"github.com/faqbot/faqbot/handoff/postgres"
	"github.com/faqbot/faqbot/handoff/storetest"
	"github.com/faqbot/faqbot/internal/postgres/pgtest"
)

// TestContract runs the suite on one database: a fresh one per subtest would spend most of
// the time creating and dropping databases, and the suite does not need them empty.
func TestContract(t *testing.T) {
	pool := pgtest.New(t)
	h := storetest.Harness{Store: postgres.New(pool), NewConversation: conversations(pool)}
	storetest.Run(t, func(*testing.T) storetest.Harness { return h })
}

// conversations writes the row a ticket refers to; the bot's store owns the table, and the
// handoff domain never imports the bot.
func conversations(pool *pgxpool.Pool) func(t *testing.T, ownerID string) string {
	return func(t *testing.T, ownerID string) string {
		t.Helper()
		var id string
		err := pool.QueryRow(context.Background(), `INSERT INTO conversations (owner_id, state, created_at, updated_at)
			VALUES ($1, 'bot', now(), now()) RETURNING id::text`, ownerID).Scan(&id)
		require.NoError(t, err)
		return id
	}
}

func newQueued(conversationID, queue string, p handoff.Priority, due time.Time) *handoff.Ticket {
	now := time.Now()
	return &handoff.Ticket{Number: handoff.NewNumber(), ConversationID: conversationID, OwnerID: "owner",
		Status: handoff.StatusQueued, Priority: p, Queue: queue, Trigger: handoff.TriggerUserRequest,
		Reason: "asked for a human", CreatedAt: now, DueAt: due}
}

func TestInsertTicketOfUnknownConversation(t *testing.T) {
	store := postgres.New(pgtest.New(t))
	tk := newQueued("00000000-0000-4000-8000-000000000000", "general", handoff.P3, time.Now())
	assert.ErrorIs(t, store.InsertTicket(context.Background(), tk), handoff.ErrNotFound)
}

// TestInsertTicketJoinsTheCallersTransaction is what the bot's store relies on: the ticket
// commits and rolls back with the caller's writes.
func TestInsertTicketJoinsTheCallersTransaction(t *testing.T) {
	ctx := context.Background()
	pool := pgtest.New(t)
	store := postgres.New(pool)
	conv := conversations(pool)(t, "u")

	tk := newQueued(conv, "general", handoff.P3, time.Now())
	tx, err := pool.Begin(ctx)
	require.NoError(t, err)
	require.NoError(t, postgres.InsertTicket(ctx, tx, tk))
	assert.NotZero(t, tk.ID)
	require.NoError(t, tx.Rollback(ctx))
	_, err = store.Ticket(ctx, tk.Number)
	assert.ErrorIs(t, err, handoff.ErrNotFound, "rolled back with the caller")
	_, err = store.Events(ctx, tk.Number)
	assert.ErrorIs(t, err, handoff.ErrNotFound)

	err = pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error { return postgres.InsertTicket(ctx, tx, tk) })
	require.NoError(t, err)
	got, err := store.Ticket(ctx, tk.Number)
	require.NoError(t, err)
	assert.Equal(t, tk.ID, got.ID)
	events, err := store.Events(ctx, tk.Number)
	require.NoError(t, err)
	assert.Len(t, events, 1, "the creation event commits with the ticket")

	second := newQueued(conv, "general", handoff.P3, time.Now())
	err = pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error { return postgres.InsertTicket(ctx, tx, second) })
	assert.ErrorIs(t, err, handoff.ErrConflict, "one open ticket per conversation, also in a transaction")
}

// TestQueueIndexServesTheLine checks that a user's place is counted from the queue's index
// while most tickets are long resolved, as they are in production.
func TestQueueIndexServesTheLine(t *testing.T) {
	ctx := context.Background()
	pool := pgtest.New(t)
	store := postgres.New(pool)
	newConversation := conversations(pool)
	// 3,000 tickets of three queues, one in twenty still queued, written in one statement.
	_, err := pool.Exec(ctx, `WITH c AS (
			INSERT INTO conversations (owner_id, state, created_at, updated_at)
			SELECT 'u' || g, 'bot', now(), now() FROM generate_series(1, 3000) g RETURNING id)
		INSERT INTO tickets (number, conversation_id, owner_id, status, priority, queue, created_at, due_at, updated_at)
		SELECT 'T' || n, id, 'u', CASE WHEN n % 20 = 0 THEN 'queued' ELSE 'resolved' END, 1 + (n / 3) % 3,
			(ARRAY['payment', 'account', 'tech'])[1 + n % 3], now(), now() + n * interval '1 second', now()
		FROM (SELECT id, row_number() OVER () AS n FROM c) numbered`)
	require.NoError(t, err)
	base := time.Now().UTC()
	mine := newQueued(newConversation(t, "me"), "payment", handoff.P2, base.Add(time.Hour))
	require.NoError(t, store.InsertTicket(ctx, mine))
	_, err = pool.Exec(ctx, "ANALYZE tickets")
	require.NoError(t, err)

	n, err := store.Ahead(ctx, *mine)
	require.NoError(t, err)
	var want int
	require.NoError(t, pool.QueryRow(ctx, `SELECT count(*) FROM tickets WHERE status = 'queued' AND queue = 'payment'
		AND (priority < 2 OR (priority = 2 AND due_at < $1))`, mine.DueAt).Scan(&want))
	assert.Equal(t, want, n)
	assert.Positive(t, n)

	rows, _ := pool.Query(ctx, "EXPLAIN (COSTS OFF) "+postgres.AheadQuery, mine.Queue, int(mine.Priority), mine.DueAt, mine.ID)
	plan, err := pgx.CollectRows(rows, pgx.RowTo[string])
	require.NoError(t, err)
	assert.Contains(t, strings.Join(plan, "\n"), "tickets_queued_idx")
}

// TestRatingsKeyedByTicket checks the schema's own guarantee, beneath the store's check: a
// ticket has one rating row, whoever writes it.
func TestRatingsKeyedByTicket(t *testing.T) {
	ctx := context.Background()
	pool := pgtest.New(t)
	store := postgres.New(pool)
	tk := newQueued(conversations(pool)(t, "owner"), "general", handoff.P3, time.Now())
	require.NoError(t, store.InsertTicket(ctx, tk))
	_, err := store.Resolve(ctx, tk.Number, "agent")
	require.NoError(t, err)
	const rate = "INSERT INTO ratings (ticket_id, score, comment, created_at) VALUES ($1, $2, '', now())"
	_, err = pool.Exec(ctx, rate, tk.ID, 5)
	require.NoError(t, err)
	_, err = pool.Exec(ctx, rate, tk.ID, 1)
	assert.ErrorContains(t, err, "ratings_pkey")
	_, err = pool.Exec(ctx, rate, tk.ID+1000, 0)
	assert.ErrorContains(t, err, "violates", "scores outside 1..5 and unknown tickets are refused")

	_, err = store.Rate(ctx, tk.Number, "owner", 3, "")
	// The ticket is still resolved, so the store's check passes and the key refuses the row.
	assert.ErrorIs(t, err, handoff.ErrAlreadyRated, "the key's refusal reads like the check's")
}
