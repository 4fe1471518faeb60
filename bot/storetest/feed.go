package storetest

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/faqbot/faqbot/bot"
)

// The subtests share their store with others running at once, so they look only at their own
// conversations' messages in the feed.

// feedOf pages through the feed after afterID, limit at a time, keeping the messages of convs.
func feedOf(t *testing.T, h Harness, afterID int64, limit int, convs ...string) []bot.Message {
	t.Helper()
	mine := map[string]bool{}
	for _, c := range convs {
		mine[c] = true
	}
	var out []bot.Message
	last := afterID
	for range 10000 {
		page, err := h.Store.MessagesAfter(ctxFor(t), last, limit)
		require.NoError(t, err)
		require.LessOrEqual(t, len(page), limit)
		for _, m := range page {
			require.Greater(t, m.ID, last, "ids grow along the feed")
			last = m.ID
			if mine[m.ConversationID] {
				out = append(out, m)
			}
		}
		if len(page) == 0 {
			return out
		}
	}
	t.Fatal("the feed does not end")
	return nil
}

func testFeedInIDOrder(t *testing.T, h Harness) {
	ctx := ctxFor(t)
	heads, err := h.Store.FeedHeads(ctx)
	require.NoError(t, err)
	a := newConversation(t, h.Store, "u")
	b := newConversation(t, h.Store, "v")
	var written []bot.Message
	for i := range 3 {
		u := begin(t, h.Store, a.ID, "收不到验证码", "")
		written = append(written, u)
		reply := botReply(a.ID, "请在设置里重新发送验证码。")
		require.NoError(t, h.Store.AppendMessage(ctx, reply))
		written = append(written, *reply)
		written = append(written, appendN(t, h.Store, b.ID, i+1)...)
	}
	for _, limit := range []int{3, 7, bot.MaxFeedLimit} {
		got := feedOf(t, h, heads.Message, limit, a.ID, b.ID)
		require.Len(t, got, len(written), "limit %d: every message once", limit)
		for i := range written {
			assertSameMessage(t, written[i], got[i], "limit %d, #%d", limit, i)
		}
	}
	// Where the feed is read from is exact: after the third message come the others.
	got := feedOf(t, h, written[2].ID, 100, a.ID, b.ID)
	require.Len(t, got, len(written)-3)
	assert.Equal(t, written[3].ID, got[0].ID)
}

func testFeedHeads(t *testing.T, h Harness) {
	ctx := ctxFor(t)
	c := newConversation(t, h.Store, "u")
	user := begin(t, h.Store, c.ID, "转人工", "")
	tk := handoffTicket(c)
	require.NoError(t, h.Store.FinishTurn(ctx, handoffOutcome(c, user, tk)))
	events, err := h.Tickets.Events(ctx, tk.Number)
	require.NoError(t, err)
	require.NotEmpty(t, events)
	msgs := all(t, h.Store, c.ID)

	heads, err := h.Store.FeedHeads(ctx)
	require.NoError(t, err)
	assert.GreaterOrEqual(t, heads.Message, msgs[len(msgs)-1].ID, "the newest message is at or before the head")
	assert.GreaterOrEqual(t, heads.TicketEvent, events[len(events)-1].ID, "so is the newest ticket event")

	// A reader starting at the head sees what is written next, not what was.
	next := appendN(t, h.Store, c.ID, 1)[0]
	got := feedOf(t, h, heads.Message, 10, c.ID)
	require.Len(t, got, 1)
	assert.Equal(t, next.ID, got[0].ID)
}

func testFeedRejects(t *testing.T, h Harness) {
	ctx := ctxFor(t)
	for _, tc := range []struct {
		name  string
		after int64
		limit int
	}{
		{"negative after", -1, 10},
		{"limit 0", 0, 0},
		{"limit above the bound", 0, bot.MaxFeedLimit + 1},
	} {
		_, err := h.Store.MessagesAfter(ctx, tc.after, tc.limit)
		assert.ErrorIs(t, err, bot.ErrInvalid, tc.name)
	}
	got, err := h.Store.MessagesAfter(ctx, math.MaxInt64-1, 10)
	require.NoError(t, err)
	assert.NotNil(t, got, "an empty page is empty, not nil")
	assert.Empty(t, got)
}
