package storetest

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/faqbot/faqbot/bot"
	"github.com/faqbot/faqbot/handoff"
)

// The knowledge gaps: written with a turn's outcome or on their own, read by window. The
// store is shared with other subtests, so every check looks at its own conversation's gaps.

func insightsOf(t *testing.T, h Harness) bot.InsightStore {
	t.Helper()
	is, ok := h.Store.(bot.InsightStore)
	require.True(t, ok, "%T must implement bot.InsightStore", h.Store)
	return is
}

// gapsOf reads the gaps of the last hour and the next minute that belong to conversationID.
func gapsOf(t *testing.T, is bot.InsightStore, conversationID string) []bot.Gap {
	t.Helper()
	now := time.Now()
	all, err := is.Gaps(ctxFor(t), bot.GapQuery{Since: now.Add(-time.Hour), Until: now.Add(time.Minute), Limit: bot.MaxGapRows + 1})
	require.NoError(t, err)
	var out []bot.Gap
	for _, g := range all {
		if g.ConversationID == conversationID {
			out = append(out, g)
		}
	}
	return out
}

func lowConfidenceGap(question string, confidence float64) *bot.Gap {
	return &bot.Gap{Question: question, Language: "zh", Reason: bot.GapLowConfidence, Confidence: &confidence}
}

func testFinishTurnWritesGap(t *testing.T, h Harness) {
	ctx := ctxFor(t)
	is := insightsOf(t, h)
	c := newConversation(t, h.Store, "gap-owner")

	user := begin(t, h.Store, c.ID, "提现怎么操作", "")
	gap := lowConfidenceGap("提现怎么操作", 0.25)
	o := &bot.Outcome{ConversationID: c.ID, State: bot.StateBot, LowStreak: 1, UserMessageID: user.ID, Gap: gap,
		Reply: &bot.Message{Role: bot.RoleBot, Decision: bot.DecisionClarify, Text: "您是想问：提现？"}}
	before := time.Now().Add(-time.Second)
	require.NoError(t, h.Store.FinishTurn(ctx, o))
	assert.NotZero(t, gap.ID, "the gap got its id")
	assert.WithinRange(t, gap.CreatedAt, before, time.Now().Add(time.Second))

	user2 := begin(t, h.Store, c.ID, "还是不会提现", "")
	tk := handoffTicket(c)
	o2 := handoffOutcome(c, user2, tk)
	o2.Gap = &bot.Gap{Question: "还是不会提现", Language: "zh", Reason: bot.GapHandoff,
		Detail: string(handoff.TriggerLowConfidence), TicketNumber: tk.Number}
	require.NoError(t, h.Store.FinishTurn(ctx, o2))

	got := gapsOf(t, is, c.ID)
	require.Len(t, got, 2)
	assert.Equal(t, o2.Gap.ID, got[0].ID, "newest first")
	assert.Equal(t, gap.ID, got[1].ID)
	assert.True(t, got[1].CreatedAt.Equal(gap.CreatedAt))
	want := *gap
	want.CreatedAt, got[1].CreatedAt = time.Time{}, time.Time{}
	want.ConversationID = c.ID
	assert.Equal(t, want, got[1])
	assert.Equal(t, bot.GapHandoff, got[0].Reason)
	assert.Equal(t, tk.Number, got[0].TicketNumber)
	assert.Equal(t, "low_confidence", got[0].Detail)
	assert.Nil(t, got[0].Confidence)
}

func testFinishTurnGapAllOrNothing(t *testing.T, h Harness) {
	ctx := ctxFor(t)
	is := insightsOf(t, h)
	c := newConversation(t, h.Store, "gap-owner")
	other := newConversation(t, h.Store, "someone else")
	taken := handoffTicket(other)
	u := begin(t, h.Store, other.ID, "help", "")
	require.NoError(t, h.Store.FinishTurn(ctx, handoffOutcome(other, u, taken)))

	user := begin(t, h.Store, c.ID, "账号被盗了", "")
	tk := handoffTicket(c)
	tk.Number = taken.Number
	o := handoffOutcome(c, user, tk)
	o.Gap = &bot.Gap{Question: "账号被盗了", Language: "zh", Reason: bot.GapHandoff, TicketNumber: tk.Number}
	err := h.Store.FinishTurn(ctx, o)
	require.ErrorIs(t, err, bot.ErrConflict)
	assert.Empty(t, gapsOf(t, is, c.ID), "the refused ticket took its gap with it")
	assert.Len(t, all(t, h.Store, c.ID), 1, "and its reply")

	tests := []struct {
		name, field string
		gap         bot.Gap
	}{
		{"empty question", "question", bot.Gap{Question: "  ", Reason: bot.GapLowConfidence}},
		{"unknown reason", "reason", bot.Gap{Question: "提现", Reason: "bored"}},
		{"another conversation", "gap.conversation_id", bot.Gap{Question: "提现", Reason: bot.GapHandoff, ConversationID: other.ID}},
		{"too long", "question", bot.Gap{Question: strings.Repeat("提", bot.MaxGapQuestionLen+1), Reason: bot.GapHandoff}},
		{"NUL", "detail", bot.Gap{Question: "提现", Reason: bot.GapHandoff, Detail: "a\x00b"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := tt.gap
			o := &bot.Outcome{ConversationID: c.ID, State: bot.StateBot, Gap: &g,
				Reply: &bot.Message{Role: bot.RoleBot, Decision: bot.DecisionClarify, Text: "?"}}
			err := h.Store.FinishTurn(ctx, o)
			require.ErrorIs(t, err, bot.ErrInvalid)
			assert.Contains(t, err.Error(), tt.field)
			assert.Len(t, all(t, h.Store, c.ID), 1, "nothing written")
		})
	}
	assert.Empty(t, gapsOf(t, is, c.ID))
}

func testRecordGap(t *testing.T, h Harness) {
	ctx := ctxFor(t)
	is := insightsOf(t, h)
	c := newConversation(t, h.Store, "gap-owner")
	g := &bot.Gap{ConversationID: strings.ToUpper(c.ID), Question: "How do I withdraw money?", Language: "en",
		Reason: bot.GapBadRating, Detail: "1", TicketNumber: "T-1"}
	require.NoError(t, is.RecordGap(ctx, g))
	assert.NotZero(t, g.ID)
	assert.False(t, g.CreatedAt.IsZero())
	got := gapsOf(t, is, c.ID)
	require.Len(t, got, 1)
	assert.Equal(t, g.ID, got[0].ID)
	assert.Equal(t, c.ID, got[0].ConversationID, "the id in its canonical form")
	assert.Equal(t, bot.GapBadRating, got[0].Reason)

	err := is.RecordGap(ctx, &bot.Gap{ConversationID: "6f1c1a4e-0000-4000-8000-000000000000", Question: "x y z", Reason: bot.GapBadRating})
	assert.ErrorIs(t, err, bot.ErrNotFound, "an unknown conversation")
	err = is.RecordGap(ctx, &bot.Gap{ConversationID: c.ID, Question: "", Reason: bot.GapBadRating})
	require.ErrorIs(t, err, bot.ErrInvalid)
	assert.Contains(t, err.Error(), "question")
	assert.Len(t, gapsOf(t, is, c.ID), 1, "the refused gaps left nothing")
}

func testGapsQuery(t *testing.T, h Harness) {
	ctx := ctxFor(t)
	is := insightsOf(t, h)
	c := newConversation(t, h.Store, "gap-owner")
	var ids []int64
	for _, q := range []struct{ text, lang string }{{"怎么提现", "zh"}, {"how to withdraw", "en"}, {"提现怎么操作", "zh"}} {
		g := &bot.Gap{ConversationID: c.ID, Question: q.text, Language: q.lang, Reason: bot.GapLowConfidence}
		require.NoError(t, is.RecordGap(ctx, g))
		ids = append(ids, g.ID)
	}
	now := time.Now()
	read := func(q bot.GapQuery) []int64 {
		t.Helper()
		got, err := is.Gaps(ctx, q)
		require.NoError(t, err)
		var out []int64
		for i, g := range got {
			if i > 0 {
				prev := got[i-1]
				assert.True(t, !g.CreatedAt.After(prev.CreatedAt) && (g.CreatedAt.Before(prev.CreatedAt) || g.ID < prev.ID), "newest first")
			}
			if g.ConversationID == c.ID {
				out = append(out, g.ID)
			}
		}
		return out
	}
	window := bot.GapQuery{Since: now.Add(-time.Hour), Until: now.Add(time.Minute), Limit: 100}
	assert.Equal(t, []int64{ids[2], ids[1], ids[0]}, read(window))
	zh := window
	zh.Language = "zh"
	assert.Equal(t, []int64{ids[2], ids[0]}, read(zh))
	past := window
	past.Until = now.Add(-30 * time.Minute)
	assert.Empty(t, read(past), "until is exclusive of what came after it")

	bad := []struct {
		field string
		q     bot.GapQuery
	}{
		{"since", bot.GapQuery{Until: now, Limit: 1}},
		{"since", bot.GapQuery{Since: now, Until: now, Limit: 1}},
		{"since", bot.GapQuery{Since: now.Add(-400 * 24 * time.Hour), Until: now, Limit: 1}},
		{"limit", bot.GapQuery{Since: now.Add(-time.Hour), Until: now, Limit: 0}},
		{"limit", bot.GapQuery{Since: now.Add(-time.Hour), Until: now, Limit: bot.MaxGapRows + 2}},
		{"language", bot.GapQuery{Since: now.Add(-time.Hour), Until: now, Limit: 1, Language: "klingon"}},
	}
	for _, b := range bad {
		_, err := is.Gaps(ctx, b.q)
		require.ErrorIs(t, err, bot.ErrInvalid, b.field)
		assert.Contains(t, err.Error(), b.field)
	}
}
