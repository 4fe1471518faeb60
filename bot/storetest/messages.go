package storetest

import (
	"math"
	"slices"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/faqbot/faqbot/bot"
)

func testMessagesRoundTrip(t *testing.T, h Harness) {
	ctx := ctxFor(t)
	c := newConversation(t, h.Store, "u")
	agent := bot.Message{ConversationID: c.ID, Role: bot.RoleAgent, Author: "小王", Text: "您好,我来帮您看看 👋"}
	reply := botReply(c.ID, "请在设置里重新发送验证码。")
	reply.Decision = bot.DecisionClarify
	user := userMessage(c.ID, "what about refunds?")
	user.Sentiment = &bot.Sentiment{Label: "negative", Score: -0.375}
	user.Query = "how do refunds work?"
	written := []*bot.Message{&user, reply, &agent}
	for _, m := range written {
		require.NoError(t, h.Store.AppendMessage(ctx, m))
		assert.NotZero(t, m.ID)
		assert.False(t, m.CreatedAt.IsZero())
	}
	got := all(t, h.Store, c.ID)
	require.Len(t, got, 3)
	for i, m := range written {
		assertSameMessage(t, *m, got[i], "message %d", i+1)
	}
}

func testSeqOrder(t *testing.T, h Harness) {
	c := newConversation(t, h.Store, "u")
	other := newConversation(t, h.Store, "u")
	var written []bot.Message
	for i := range 6 {
		written = append(written, appendN(t, h.Store, c.ID, 1)...)
		appendN(t, h.Store, other.ID, i%2) // seqs are per conversation
	}
	for i, m := range written {
		assert.Equal(t, int64(i+1), m.Seq)
		if i > 0 {
			assert.Greater(t, m.ID, written[i-1].ID, "ids grow")
			assert.False(t, m.CreatedAt.Before(written[i-1].CreatedAt), "time does not go back")
		}
	}
	assert.Equal(t, []int64{1, 2, 3, 4, 5, 6}, seqs(all(t, h.Store, c.ID)))
	assert.Equal(t, []int64{1, 2, 3}, seqs(all(t, h.Store, other.ID)))
}

func testConcurrentAppends(t *testing.T, h Harness) {
	ctx := ctxFor(t)
	c := newConversation(t, h.Store, "u")
	const n = 20
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			m := bot.Message{ConversationID: c.ID, Role: bot.RoleAgent, Author: "a", Text: "hi"}
			if i%2 == 0 {
				_, errs[i] = h.Store.BeginTurn(ctx, &m, bot.TurnKey{})
				return
			}
			errs[i] = h.Store.AppendMessage(ctx, &m)
		})
	}
	wg.Wait()
	for i, err := range errs {
		require.NoError(t, err, "writer %d", i)
	}
	got := seqs(all(t, h.Store, c.ID))
	want := make([]int64, n)
	for i := range want {
		want[i] = int64(i + 1)
	}
	assert.Equal(t, want, got, "seqs 1..n, no gaps, no duplicates")
}

func testMessagesPaging(t *testing.T, h Harness) {
	ctx := ctxFor(t)
	c := newConversation(t, h.Store, "u")
	appendN(t, h.Store, c.ID, 25)
	cases := []struct {
		after int64
		limit int
		want  []int64
	}{
		{0, 3, []int64{1, 2, 3}},
		{10, 5, []int64{11, 12, 13, 14, 15}},
		{22, 50, []int64{23, 24, 25}},
		{25, 10, []int64{}},
		{1000, 10, []int64{}},
	}
	for _, tc := range cases {
		got, err := h.Store.Messages(ctx, c.ID, tc.after, tc.limit)
		require.NoError(t, err)
		assert.NotNil(t, got)
		assert.Equal(t, tc.want, seqs(got), "after %d, limit %d", tc.after, tc.limit)
	}
	_, err := h.Store.Messages(ctx, c.ID, 0, 0)
	assert.ErrorIs(t, err, bot.ErrInvalid, "limit 0")
	_, err = h.Store.Messages(ctx, c.ID, -1, 10)
	assert.ErrorIs(t, err, bot.ErrInvalid, "negative after")

	empty := newConversation(t, h.Store, "u")
	got, err := h.Store.Messages(ctx, empty.ID, 0, 10)
	require.NoError(t, err, "a conversation without messages is not an error")
	assert.Empty(t, got)
}

// longConversation is long enough that reading it all would show, and short enough to write
// one message at a time in a contract test (bot/postgres measures 10,000).
const longConversation = 240

func testRecentLong(t *testing.T, h Harness) {
	ctx := ctxFor(t)
	c := newConversation(t, h.Store, "u")
	written := appendN(t, h.Store, c.ID, longConversation)
	for _, n := range []int{1, 15, longConversation, longConversation + 100} {
		got, err := h.Store.Recent(ctx, c.ID, n)
		require.NoError(t, err)
		want := written[max(0, len(written)-n):]
		require.Len(t, got, len(want), "n = %d", n)
		for i := range want {
			assertSameMessage(t, want[i], got[i], "n = %d, #%d", n, i)
		}
	}
	_, err := h.Store.Recent(ctx, c.ID, 0)
	assert.ErrorIs(t, err, bot.ErrInvalid)

	empty := newConversation(t, h.Store, "u")
	got, err := h.Store.Recent(ctx, empty.ID, 15)
	require.NoError(t, err)
	assert.Empty(t, got)
}

func testAppendInvalid(t *testing.T, h Harness) {
	c := newConversation(t, h.Store, "u")
	ok := func() bot.Message {
		return bot.Message{ConversationID: c.ID, Role: bot.RoleAgent, Author: "a", Text: "hi"}
	}
	nan := math.NaN()
	cases := []struct {
		name   string
		change func(m *bot.Message)
	}{
		{"unknown role", func(m *bot.Message) { m.Role = "admin" }},
		{"empty text", func(m *bot.Message) { m.Text = "" }},
		{"NUL in the text", func(m *bot.Message) { m.Text = "a\x00b" }},
		{"invalid UTF-8", func(m *bot.Message) { m.Text = "\xc3\x28" }},
		{"unknown decision", func(m *bot.Message) { m.Decision = "maybe" }},
		{"NaN confidence", func(m *bot.Message) { m.Confidence = &nan }},
		{"infinite sentiment", func(m *bot.Message) { m.Sentiment = &bot.Sentiment{Label: "angry", Score: math.Inf(-1)} }},
		{"NUL in a suggestion", func(m *bot.Message) { m.Suggestions = []string{"ok", "\x00"} }},
		{"NUL in a citation", func(m *bot.Message) { m.Citations = []bot.Citation{{ArticleID: 1, Title: "\x00"}} }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m := ok()
			tc.change(&m)
			assert.ErrorIs(t, h.Store.AppendMessage(ctxFor(t), &m), bot.ErrInvalid)
			_, err := h.Store.BeginTurn(ctxFor(t), &m, keyFor("k-"+tc.name, m.Text))
			assert.ErrorIs(t, err, bot.ErrInvalid)
		})
	}
	assert.Empty(t, all(t, h.Store, c.ID), "nothing was stored")
}

func testUnknownConversation(t *testing.T, h Harness) {
	ctx := ctxFor(t)
	newConversation(t, h.Store, "u")
	for _, id := range []string{"00000000-0000-4000-8000-000000000000", "not-a-uuid", ""} {
		_, err := h.Store.Conversation(ctx, id, "u")
		assert.ErrorIs(t, err, bot.ErrNotFound, "conversation %q", id)
		_, err = h.Store.Messages(ctx, id, 0, 10)
		assert.ErrorIs(t, err, bot.ErrNotFound, "messages %q", id)
		_, err = h.Store.Recent(ctx, id, 10)
		assert.ErrorIs(t, err, bot.ErrNotFound, "recent %q", id)
		m := bot.Message{ConversationID: id, Role: bot.RoleAgent, Text: "hi"}
		assert.ErrorIs(t, h.Store.AppendMessage(ctx, &m), bot.ErrNotFound, "append %q", id)
		for _, key := range []string{"", "k"} {
			u := userMessage(id, "hi")
			_, err = h.Store.BeginTurn(ctx, &u, keyFor(key, "hi"))
			assert.ErrorIs(t, err, bot.ErrNotFound, "begin turn %q, key %q", id, key)
		}
	}
}

func testCopies(t *testing.T, h Harness) {
	ctx := ctxFor(t)
	c := newConversation(t, h.Store, "u")
	m := botReply(c.ID, "answer")
	require.NoError(t, h.Store.AppendMessage(ctx, m))
	m.Citations[0].Title = "changed by the writer"
	m.Suggestions[0] = "changed by the writer"
	*m.Confidence = 0

	got := all(t, h.Store, c.ID)
	require.Len(t, got, 1)
	assert.Equal(t, "收不到验证码", got[0].Citations[0].Title)
	assert.Equal(t, "怎么改手机号?", got[0].Suggestions[0])
	assert.InDelta(t, 0.8125, *got[0].Confidence, 0)
	got[0].Citations[0].Title = "changed by a reader"
	*got[0].Confidence = 0
	got[0].Suggestions = slices.Insert(got[0].Suggestions, 0, "x")

	again := all(t, h.Store, c.ID)
	assert.Equal(t, "收不到验证码", again[0].Citations[0].Title)
	assert.InDelta(t, 0.8125, *again[0].Confidence, 0)
	assert.Len(t, again[0].Suggestions, 2)
}
