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

	"github.com/faqbot/faqbot/bot"
	"github.com/faqbot/faqbot/bot/postgres"
	"github.com/faqbot/faqbot/internal/postgres/pgtest"
)

// fill gives the conversation n messages in one statement, as n turns would have.
func fill(t testing.TB, pool *pgxpool.Pool, conversationID string, n int) {
	t.Helper()
	ctx := context.Background()
	_, err := pool.Exec(ctx, `INSERT INTO messages (conversation_id, seq, role, text, created_at)
		SELECT $1, g, CASE WHEN g % 2 = 1 THEN 'user' ELSE 'bot' END, 'message ' || g, now()
		FROM generate_series(1, $2::int) g`, conversationID, n)
	require.NoError(t, err)
	_, err = pool.Exec(ctx, "UPDATE conversations SET last_seq = $2 WHERE id = $1", conversationID, n)
	require.NoError(t, err)
}

// plan is the executed plan of query, without costs or timings, one node per line.
func plan(t *testing.T, pool *pgxpool.Pool, query string, args ...any) string {
	t.Helper()
	rows, _ := pool.Query(context.Background(), "EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) "+query, args...)
	lines, err := pgx.CollectRows(rows, pgx.RowTo[string])
	require.NoError(t, err)
	return strings.Join(lines, "\n")
}

// TestLongConversationReadsOnlyWhatItReturns checks the reads of every turn on a 10,000-message
// conversation among others: Recent walks the (conversation_id, seq DESC) index and touches
// exactly the n rows it returns, without a sort.
func TestLongConversationReadsOnlyWhatItReturns(t *testing.T) {
	ctx := context.Background()
	pool := pgtest.New(t)
	store := postgres.New(pool)
	long := bot.Conversation{OwnerID: "long"}
	require.NoError(t, store.CreateConversation(ctx, &long))
	fill(t, pool, long.ID, 10000)
	for range 20 {
		c := bot.Conversation{OwnerID: "other"}
		require.NoError(t, store.CreateConversation(ctx, &c))
		fill(t, pool, c.ID, 500)
	}
	_, err := pool.Exec(ctx, "ANALYZE messages")
	require.NoError(t, err)

	got, err := store.Recent(ctx, long.ID, 15)
	require.NoError(t, err)
	require.Len(t, got, 15)
	for i, m := range got {
		assert.Equal(t, int64(9986+i), m.Seq)
	}
	next := bot.Message{ConversationID: long.ID, Role: bot.RoleUser, Text: "still there?"}
	require.NoError(t, store.AppendMessage(ctx, &next))
	assert.Equal(t, int64(10001), next.Seq)

	recent := plan(t, pool, postgres.RecentQuery, long.ID, 15)
	assert.Contains(t, recent, "Index Scan using messages_conversation_seq_idx on messages (actual rows=15 loops=1)", recent)
	assert.NotContains(t, recent, "Sort", recent)
	page := plan(t, pool, postgres.MessagesQuery, long.ID, 5000, 50)
	assert.Contains(t, page, "Index Scan Backward using messages_conversation_seq_idx on messages (actual rows=50 loops=1)", page)
	assert.NotContains(t, page, "Sort", page)

	const calls = 200
	start := time.Now()
	for range calls {
		_, err := store.Recent(ctx, long.ID, 15)
		require.NoError(t, err)
	}
	t.Logf("Recent(15) of a 10,000-message conversation: %v per call (round trip included)", time.Since(start)/calls)
}
