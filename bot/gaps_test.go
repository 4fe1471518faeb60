package bot_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/faqbot/faqbot/bot"
	"github.com/faqbot/faqbot/handoff"
)

func TestGroupGapsGroupsParaphrasesOnly(t *testing.T) {
	t0 := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	gap := func(min int, q, lang string, r bot.GapReason) bot.Gap {
		return bot.Gap{Question: q, Language: lang, Reason: r, CreatedAt: t0.Add(time.Duration(min) * time.Minute)}
	}
	// Newest first, as the stores return them.
	gaps := []bot.Gap{
		gap(60, "提现怎么操作", "zh", bot.GapLowConfidence),
		gap(55, "怎么改密码", "zh", bot.GapLowConfidence),
		gap(50, "怎么提现", "zh", bot.GapHandoff),
		gap(45, "How do I withdraw money?", "en", bot.GapLowConfidence),
		gap(40, "怎么提现？", "zh", bot.GapBadRating),
		gap(35, "I cannot log into my account", "en", bot.GapHandoff),
		gap(30, "how to withdraw my earnings", "en", bot.GapHandoff),
		gap(25, "如何提现到银行卡", "zh", bot.GapLowConfidence),
		gap(20, "How do I delete my account?", "en", bot.GapLowConfidence),
		gap(15, "delete account please", "en", bot.GapBadRating),
		gap(10, "收不到验证码怎么办", "zh", bot.GapLowConfidence),
		gap(5, "验证码一直收不到", "zh", bot.GapHandoff),
		gap(1, "提现", "en", bot.GapLowConfidence), // another language never joins a zh group
	}
	groups := bot.GroupGaps(gaps)

	type summary struct {
		question, lang string
		count          int
		reasons        map[bot.GapReason]int
		examples       []string
	}
	var got []summary
	for _, g := range groups {
		s := summary{question: g.Question, lang: g.Language, count: g.Count, reasons: g.Reasons}
		for _, e := range g.Examples {
			s.examples = append(s.examples, e.Question)
		}
		got = append(got, s)
	}
	want := []summary{
		// 怎么提现 was asked twice (the question mark does not make it another wording).
		{"怎么提现", "zh", 4, map[bot.GapReason]int{bot.GapLowConfidence: 2, bot.GapHandoff: 1, bot.GapBadRating: 1},
			[]string{"提现怎么操作", "怎么提现", "如何提现到银行卡"}},
		{"How do I withdraw money?", "en", 2, map[bot.GapReason]int{bot.GapLowConfidence: 1, bot.GapHandoff: 1},
			[]string{"How do I withdraw money?", "how to withdraw my earnings"}},
		{"How do I delete my account?", "en", 2, map[bot.GapReason]int{bot.GapLowConfidence: 1, bot.GapBadRating: 1},
			[]string{"How do I delete my account?", "delete account please"}},
		{"收不到验证码怎么办", "zh", 2, map[bot.GapReason]int{bot.GapLowConfidence: 1, bot.GapHandoff: 1},
			[]string{"收不到验证码怎么办", "验证码一直收不到"}},
		{"怎么改密码", "zh", 1, map[bot.GapReason]int{bot.GapLowConfidence: 1}, []string{"怎么改密码"}},
		{"I cannot log into my account", "en", 1, map[bot.GapReason]int{bot.GapHandoff: 1}, []string{"I cannot log into my account"}},
		{"提现", "en", 1, map[bot.GapReason]int{bot.GapLowConfidence: 1}, []string{"提现"}},
	}
	assert.Equal(t, want, got)
	assert.Equal(t, t0.Add(60*time.Minute), groups[0].LastSeen)
	// Equal counts: the group seen last comes first.
	assert.True(t, groups[1].LastSeen.After(groups[2].LastSeen))
}

func TestGroupGapsBoundsExamples(t *testing.T) {
	var gaps []bot.Gap
	for _, q := range []string{"怎么提现", "提现怎么弄", "提现怎么操作", "我要提现", "怎么提现"} {
		gaps = append(gaps, bot.Gap{Question: q, Language: "zh", Reason: bot.GapLowConfidence})
	}
	groups := bot.GroupGaps(gaps)
	require.Len(t, groups, 1)
	assert.Equal(t, 5, groups[0].Count)
	assert.Len(t, groups[0].Examples, bot.MaxGapExamples)
	assert.Equal(t, "怎么提现", groups[0].Question, "the wording asked twice")
	assert.Empty(t, bot.GroupGaps(nil))
}

func TestPercentileInterpolatesLikePostgreSQL(t *testing.T) {
	assert.Nil(t, bot.Percentile(nil, 0.5))
	tests := []struct {
		values []float64
		p      float64
		want   float64
	}{
		{[]float64{7}, 0.9, 7},
		{[]float64{10, 50}, 0.5, 30},
		{[]float64{10, 50}, 0.9, 46},
		{[]float64{1, 2, 3, 4}, 0.5, 2.5},
		{[]float64{1, 2, 3, 4, 100}, 0.9, 61.6},
		{[]float64{1, 2, 3}, 1, 3},
	}
	for _, tt := range tests {
		assert.InDelta(t, tt.want, *bot.Percentile(tt.values, tt.p), 1e-9, "%v at %v", tt.values, tt.p)
	}
}

func gapsOfConversation(t *testing.T, f fixture, c bot.Conversation) []bot.Gap {
	t.Helper()
	now := time.Now()
	all, err := f.store.Gaps(context.Background(), bot.GapQuery{Since: now.Add(-time.Hour), Until: now.Add(time.Minute), Limit: 100})
	require.NoError(t, err)
	var out []bot.Gap
	for _, g := range all {
		if g.ConversationID == c.ID {
			out = append(out, g)
		}
	}
	return out
}

func TestTurnsKeepTheirGaps(t *testing.T) {
	f := newFixture(t, nil)

	t.Run("asking back keeps a low-confidence gap", func(t *testing.T) {
		c := f.start(t, "gap-clarify")
		r := f.say(t, &c, "我的宠物猫不吃饭怎么办")
		require.Equal(t, bot.DecisionClarify, r.Decision, r.Reason)
		gaps := gapsOfConversation(t, f, c)
		require.Len(t, gaps, 1)
		assert.Equal(t, bot.GapLowConfidence, gaps[0].Reason)
		assert.Equal(t, "zh", gaps[0].Language)
		assert.Contains(t, gaps[0].Question, "宠物猫")
		require.NotNil(t, gaps[0].Confidence)
		assert.InDelta(t, *r.Message.Confidence, *gaps[0].Confidence, 1e-9)

		// The second miss hands over: a handoff gap naming the ticket and its trigger.
		r = f.say(t, &c, "我的宠物猫还是不吃饭")
		require.Equal(t, bot.DecisionHandoff, r.Decision, r.Reason)
		gaps = gapsOfConversation(t, f, c)
		require.Len(t, gaps, 2)
		assert.Equal(t, bot.GapHandoff, gaps[0].Reason)
		assert.Equal(t, r.Ticket.Number, gaps[0].TicketNumber)
		assert.Equal(t, string(handoff.TriggerLowConfidence), gaps[0].Detail)
	})

	t.Run("an answer keeps none", func(t *testing.T) {
		c := f.start(t, "gap-answer")
		r := f.say(t, &c, "收不到验证码怎么办")
		require.Equal(t, bot.DecisionAnswer, r.Decision, r.Reason)
		assert.Empty(t, gapsOfConversation(t, f, c))
	})

	t.Run("asking for a human keeps the question before", func(t *testing.T) {
		c := f.start(t, "gap-human")
		f.say(t, &c, "my cat will not eat its food")
		r := f.say(t, &c, "let me talk to a human")
		require.Equal(t, bot.DecisionHandoff, r.Decision, r.Reason)
		gaps := gapsOfConversation(t, f, c)
		require.Len(t, gaps, 2)
		assert.Equal(t, bot.GapHandoff, gaps[0].Reason)
		assert.Equal(t, string(handoff.TriggerUserRequest), gaps[0].Detail)
		assert.Contains(t, gaps[0].Question, "cat")
	})

	t.Run("a bare 转人工 keeps nothing", func(t *testing.T) {
		c := f.start(t, "gap-bare")
		r := f.say(t, &c, "转人工")
		require.Equal(t, bot.DecisionHandoff, r.Decision, r.Reason)
		assert.Empty(t, gapsOfConversation(t, f, c))
	})

	t.Run("the handoff button keeps the last question", func(t *testing.T) {
		c := f.start(t, "gap-button")
		f.say(t, &c, "my cat will not eat its food")
		r, err := f.engine.RequestHandoff(context.Background(), c, "")
		require.NoError(t, err)
		gaps := gapsOfConversation(t, f, c)
		require.Len(t, gaps, 2)
		assert.Equal(t, bot.GapHandoff, gaps[0].Reason)
		assert.Equal(t, r.Ticket.Number, gaps[0].TicketNumber)
	})
}

func TestBadRatingsKeepAGap(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		score int
		want  bool
	}{{1, true}, {2, true}, {3, false}, {5, false}} {
		f := newFixture(t, nil)
		c, number := handedOver(t, f, "rater", "账号被盗了，转人工")
		before := len(gapsOfConversation(t, f, c))
		_, err := f.engine.ResolveTicket(ctx, number, "agent-1")
		require.NoError(t, err)
		_, err = f.engine.RateTicket(ctx, number, c.OwnerID, tc.score, "")
		require.NoError(t, err)
		gaps := gapsOfConversation(t, f, c)
		if !tc.want {
			assert.Len(t, gaps, before, "score %d", tc.score)
			continue
		}
		require.Len(t, gaps, before+1, "score %d", tc.score)
		assert.Equal(t, bot.GapBadRating, gaps[0].Reason)
		assert.Equal(t, number, gaps[0].TicketNumber)
		assert.Contains(t, gaps[0].Question, "账号被盗")
	}
}

func TestKnowledgeGapsAndSummaryThroughTheEngine(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, nil)
	for i, q := range []string{"我的宠物猫不吃饭怎么办", "宠物猫不吃饭", "how do I train my parrot"} {
		c := f.start(t, "eng-"+string(rune('a'+i)))
		r := f.say(t, &c, q)
		require.Equal(t, bot.DecisionClarify, r.Decision, q)
	}
	now := time.Now()
	rep, err := f.engine.KnowledgeGaps(ctx, bot.GapQuery{Since: now.Add(-time.Hour), Until: now.Add(time.Minute)}, 10)
	require.NoError(t, err)
	assert.Equal(t, 3, rep.Scanned)
	assert.False(t, rep.Truncated)
	require.Len(t, rep.Groups, 2)
	assert.Equal(t, 2, rep.Groups[0].Count)
	assert.Equal(t, "zh", rep.Groups[0].Language)

	rep, err = f.engine.KnowledgeGaps(ctx, bot.GapQuery{Since: now.Add(-time.Hour), Until: now.Add(time.Minute), Language: "en"}, 1)
	require.NoError(t, err)
	require.Len(t, rep.Groups, 1)
	assert.Equal(t, "en", rep.Groups[0].Language)

	_, err = f.engine.KnowledgeGaps(ctx, bot.GapQuery{Since: now, Until: now.Add(-time.Hour)}, 10)
	assert.ErrorIs(t, err, bot.ErrInvalid)
	_, err = f.engine.KnowledgeGaps(ctx, bot.GapQuery{Since: now.Add(-time.Hour), Until: now}, 0)
	assert.ErrorIs(t, err, bot.ErrInvalid)

	sum, err := f.engine.Summary(ctx, bot.SummaryQuery{Since: now.Add(-time.Hour), Until: now.Add(time.Minute)})
	require.NoError(t, err)
	assert.Equal(t, 3, sum.Conversations)
	assert.Zero(t, sum.AnsweredByBot)
	assert.Equal(t, 3, sum.Gaps[bot.GapLowConfidence])
}
