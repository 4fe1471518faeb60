package storetest

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/faqbot/faqbot/bot"
	"github.com/faqbot/faqbot/handoff"
)

// RunInsights checks the summary's numbers on a scripted set of conversations, tickets and
// ratings. Unlike Run it needs empty stores: newHarness must return fresh ones.
func RunInsights(t *testing.T, newHarness func(t *testing.T) Harness) {
	t.Run("SummaryOfAScriptedWindow", func(t *testing.T) { testSummary(t, newHarness(t)) })
	t.Run("SummaryRejects", func(t *testing.T) { testSummaryRejects(t, newHarness(t)) })
}

// scripted is a ticket with its times as offsets from the script's base time.
type scripted struct {
	trigger                        handoff.Trigger
	priority                       handoff.Priority
	status                         handoff.Status
	queue                          string
	due, first, breached, resolved time.Duration // 0: not set (due is always set)
	rating                         int
}

func testSummary(t *testing.T, h Harness) {
	ctx := ctxFor(t)
	is := insightsOf(t, h)
	now := time.Now().UTC().Truncate(time.Second)
	base := now.Add(-time.Hour)

	// Conversations: answered by the bot; answered, then handed over; asked back only;
	// opened without a word; handed over at once.
	say := func(c bot.Conversation, text string, d bot.Decision, tk *handoff.Ticket, gap *bot.Gap) {
		user := begin(t, h.Store, c.ID, text, "")
		o := &bot.Outcome{ConversationID: c.ID, State: bot.StateBot, UserMessageID: user.ID, Ticket: tk, Gap: gap,
			Reply: &bot.Message{Role: bot.RoleBot, Decision: d, Text: "reply to " + text}}
		if tk != nil {
			o.State = bot.StateQueued
		}
		require.NoError(t, h.Store.FinishTurn(ctx, o))
	}
	answered := newConversation(t, h.Store, "u1")
	say(answered, "怎么改密码", bot.DecisionAnswer, nil, nil)
	say(answered, "谢谢", bot.DecisionAnswer, nil, nil)
	handed := newConversation(t, h.Store, "u2")
	say(handed, "how do I withdraw", bot.DecisionAnswer, nil, nil)
	clarified := newConversation(t, h.Store, "u3")
	say(clarified, "提现怎么操作", bot.DecisionClarify, nil, lowConfidenceGap("提现怎么操作", 0.2))
	newConversation(t, h.Store, "u4") // no message: not a conversation anyone had
	atOnce := newConversation(t, h.Store, "u5")

	tickets := []scripted{
		{trigger: handoff.TriggerHighRisk, priority: handoff.P1, status: handoff.StatusResolved, queue: "account",
			due: 30 * time.Second, first: 10 * time.Second, resolved: 100 * time.Second, rating: 5},
		{trigger: handoff.TriggerHighRisk, priority: handoff.P1, status: handoff.StatusResolved, queue: "account",
			due: 30 * time.Second, first: 50 * time.Second, breached: 31 * time.Second, resolved: 300 * time.Second, rating: 1},
		{trigger: handoff.TriggerAngry, priority: handoff.P1, status: handoff.StatusQueued, queue: "senior",
			due: 30 * time.Second},
		{trigger: handoff.TriggerWorsening, priority: handoff.P2, status: handoff.StatusResolved, queue: "payment",
			due: 5 * time.Minute, first: 20 * time.Second, resolved: 200 * time.Second, rating: 4},
		{trigger: handoff.TriggerUserRequest, priority: handoff.P3, status: handoff.StatusAssigned, queue: "payment",
			due: 2 * time.Hour, first: 60 * time.Second},
	}
	for i, s := range tickets {
		c := handed
		if i > 0 {
			c = newConversation(t, h.Store, "ticket-owner") // no user message: not counted
		}
		tk := scriptTicket(c, base, s)
		require.NoError(t, h.Tickets.InsertTicket(ctx, tk))
		if s.rating > 0 {
			_, err := h.Tickets.Rate(ctx, tk.Number, c.OwnerID, s.rating, "")
			require.NoError(t, err)
		}
	}
	// Handed over by the turn itself, still waiting but not late yet.
	wait := scriptTicket(atOnce, base, scripted{trigger: handoff.TriggerLowConfidence, priority: handoff.P3,
		status: handoff.StatusQueued, queue: "payment", due: 2 * time.Hour})
	say(atOnce, "提现一直不到账", bot.DecisionHandoff, wait, &bot.Gap{Question: "提现一直不到账", Language: "zh",
		Reason: bot.GapHandoff, TicketNumber: wait.Number})
	// Before the window: counted only among the open tickets, which are counted now.
	early := scriptTicket(newConversation(t, h.Store, "early"), now.Add(-3*time.Hour),
		scripted{trigger: handoff.TriggerUserRequest, priority: handoff.P3, status: handoff.StatusQueued, queue: "general", due: 2 * time.Hour})
	require.NoError(t, h.Tickets.InsertTicket(ctx, early))
	require.NoError(t, is.RecordGap(ctx, &bot.Gap{ConversationID: handed.ID, Question: "how do I withdraw",
		Language: "en", Reason: bot.GapBadRating, Detail: "1"}))

	sum, err := is.Summary(ctx, bot.SummaryQuery{Since: now.Add(-2 * time.Hour), Until: now.Add(time.Hour), Now: now.Add(time.Minute)})
	require.NoError(t, err)

	assert.Equal(t, 4, sum.Conversations, "the four where the user wrote")
	assert.Equal(t, 1, sum.AnsweredByBot, "only the one that never had a ticket")
	assert.InDelta(t, 0.25, sum.DeflectionRate(), 1e-9)
	assert.Equal(t, map[handoff.Trigger]int{handoff.TriggerHighRisk: 2, handoff.TriggerAngry: 1,
		handoff.TriggerWorsening: 1, handoff.TriggerUserRequest: 1, handoff.TriggerLowConfidence: 1}, sum.Handoffs)

	p1 := sum.FirstResponse[handoff.P1]
	assert.Equal(t, 3, p1.Tickets)
	assert.Equal(t, 2, p1.Measured)
	assertSeconds(t, 30, p1.P50, "P1 first response p50 of 10 s and 50 s")
	assertSeconds(t, 46, p1.P90, "P1 first response p90")
	assert.Equal(t, 3, p1.SLAKnown, "two responded, one waiting past due")
	assert.Equal(t, 1, p1.WithinSLA, "the late one was also marked breached")
	assert.InDelta(t, 1.0/3, *p1.WithinSLAShare(), 1e-9)
	r1 := sum.Resolution[handoff.P1]
	assert.Equal(t, 2, r1.Measured)
	assertSeconds(t, 200, r1.P50, "P1 resolution p50")
	assertSeconds(t, 280, r1.P90, "P1 resolution p90")

	p2 := sum.FirstResponse[handoff.P2]
	assert.Equal(t, bot.Times{Tickets: 1, Measured: 1, P50: p2.P50, P90: p2.P90, SLAKnown: 1, WithinSLA: 1}, p2)
	assertSeconds(t, 20, p2.P50, "P2 p50")

	p3 := sum.FirstResponse[handoff.P3]
	assert.Equal(t, 2, p3.Tickets)
	assert.Equal(t, 1, p3.Measured)
	assertSeconds(t, 60, p3.P90, "P3 p90 of one value")
	assert.Equal(t, 1, p3.SLAKnown, "the waiting one is not late yet")
	assert.Equal(t, 1, p3.WithinSLA)
	r3 := sum.Resolution[handoff.P3]
	assert.Equal(t, 2, r3.Tickets)
	assert.Zero(t, r3.Measured)
	assert.Nil(t, r3.P50)

	assert.Equal(t, 3, sum.CSAT.Ratings)
	assert.Equal(t, [5]int{1, 0, 0, 1, 1}, sum.CSAT.Distribution)
	assert.InDelta(t, 10.0/3, *sum.CSAT.Average(), 1e-9)

	assert.Equal(t, map[string]bot.QueueLoad{"senior": {Queued: 1}, "payment": {Queued: 1, Assigned: 1},
		"general": {Queued: 1}}, sum.OpenTickets)
	assert.Equal(t, map[bot.GapReason]int{bot.GapLowConfidence: 1, bot.GapHandoff: 1, bot.GapBadRating: 1}, sum.Gaps)

	// An earlier window sees the early ticket only; the open tickets are today's anyway.
	old, err := is.Summary(ctx, bot.SummaryQuery{Since: now.Add(-4 * time.Hour), Until: now.Add(-2 * time.Hour), Now: now})
	require.NoError(t, err)
	assert.Zero(t, old.Conversations)
	assert.Equal(t, map[handoff.Trigger]int{handoff.TriggerUserRequest: 1}, old.Handoffs)
	assert.Zero(t, old.CSAT.Ratings)
	assert.Nil(t, old.CSAT.Average())
	assert.Empty(t, old.Gaps)
	assert.Equal(t, sum.OpenTickets, old.OpenTickets)
	assert.Zero(t, old.DeflectionRate())
}

func testSummaryRejects(t *testing.T, h Harness) {
	is := insightsOf(t, h)
	now := time.Now()
	tests := []struct {
		field string
		q     bot.SummaryQuery
	}{
		{"since", bot.SummaryQuery{Until: now, Now: now}},
		{"until", bot.SummaryQuery{Since: now, Now: now}},
		{"since", bot.SummaryQuery{Since: now, Until: now.Add(-time.Hour), Now: now}},
		{"since", bot.SummaryQuery{Since: now.Add(-400 * 24 * time.Hour), Until: now, Now: now}},
		{"now", bot.SummaryQuery{Since: now.Add(-time.Hour), Until: now}},
	}
	for _, tt := range tests {
		_, err := is.Summary(ctxFor(t), tt.q)
		require.ErrorIs(t, err, bot.ErrInvalid, tt.field)
		assert.Contains(t, err.Error(), tt.field)
	}
}

func scriptTicket(c bot.Conversation, base time.Time, s scripted) *handoff.Ticket {
	tk := handoff.DefaultPolicy().Open(handoff.OpenRequest{ConversationID: c.ID, OwnerID: c.OwnerID,
		Trigger: s.trigger, Reason: "scripted", Question: "scripted question", Language: "en"}, base)
	tk.Priority, tk.Status, tk.Queue, tk.DueAt = s.priority, s.status, s.queue, base.Add(s.due)
	at := func(d time.Duration) time.Time {
		if d == 0 {
			return time.Time{}
		}
		return base.Add(d)
	}
	tk.FirstResponseAt, tk.BreachedAt, tk.ResolvedAt = at(s.first), at(s.breached), at(s.resolved)
	if s.status == handoff.StatusAssigned {
		tk.AssignedTo, tk.LeaseUntil = "agent-1", base.Add(2*time.Hour)
	}
	return &tk
}

func assertSeconds(t *testing.T, want float64, got *float64, what string) {
	t.Helper()
	if assert.NotNil(t, got, what) {
		assert.InDelta(t, want, *got, 1e-6, what)
	}
}
