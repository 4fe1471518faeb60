package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/faqbot/faqbot/bot"
	"github.com/faqbot/faqbot/bot/postgres"
	"github.com/faqbot/faqbot/internal/postgres/pgtest"
)

func ids(ms []bot.Message) []int64 {
	out := make([]int64, len(ms))
	for i, m := range ms {
		out[i] = m.ID
	}
	return out
}

// TestFeedWaitsForMessagesStillCommitting: a message whose id was taken before another's but
// commits after it must not be skipped by a reader that keeps its place; an id whose
// transaction rolled back must not hold the reader up for good.
func TestFeedWaitsForMessagesStillCommitting(t *testing.T) {
	ctx := context.Background()
	pool := pgtest.New(t)
	s := postgres.New(pool)
	c := bot.Conversation{OwnerID: "u"}
	require.NoError(t, s.CreateConversation(ctx, &c))
	heads, err := s.FeedHeads(ctx)
	require.NoError(t, err)

	insert := `INSERT INTO messages (conversation_id, seq, role, text, created_at)
		VALUES ($1, $2, 'system', 'slow', now()) RETURNING id`

	// A slow writer takes the next id and has not committed yet.
	slow, err := pool.Begin(ctx)
	require.NoError(t, err)
	defer slow.Rollback(ctx) //nolint:errcheck
	var slowID int64
	require.NoError(t, slow.QueryRow(ctx, insert, c.ID, 100).Scan(&slowID))
	fast := bot.Message{ConversationID: c.ID, Role: bot.RoleSystem, Text: "fast"}
	require.NoError(t, s.AppendMessage(ctx, &fast))
	require.Greater(t, fast.ID, slowID)

	restore := postgres.SetFeedSettle(50 * time.Millisecond)
	got, err := s.MessagesAfter(ctx, heads.Message, 10)
	restore()
	require.NoError(t, err)
	assert.Empty(t, got, "the committed message waits behind the one still being written")

	require.NoError(t, slow.Commit(ctx))
	got, err = s.MessagesAfter(ctx, heads.Message, 10)
	require.NoError(t, err)
	assert.Equal(t, []int64{slowID, fast.ID}, ids(got), "both, in id order")

	// A rolled-back writer leaves a hole for good; the reader gets past it.
	gone, err := pool.Begin(ctx)
	require.NoError(t, err)
	var goneID int64
	require.NoError(t, gone.QueryRow(ctx, insert, c.ID, 101).Scan(&goneID))
	require.NoError(t, gone.Rollback(ctx))
	after := bot.Message{ConversationID: c.ID, Role: bot.RoleSystem, Text: "after the hole"}
	require.NoError(t, s.AppendMessage(ctx, &after))
	// Transactions of other tests on the server can delay the proof that the hole is
	// settled, never change the answer.
	var page []bot.Message
	require.Eventually(t, func() bool {
		page, err = s.MessagesAfter(ctx, fast.ID, 10)
		return err == nil && len(page) > 0
	}, 30*time.Second, 10*time.Millisecond)
	assert.Equal(t, []int64{after.ID}, ids(page))
	assert.Greater(t, after.ID, goneID, "the hole lies before it")
}
