package storetest

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/faqbot/faqbot/bot"
	"github.com/faqbot/faqbot/handoff"
)

func testBeginWithoutKey(t *testing.T, h Harness) {
	c := newConversation(t, h.Store, "u")
	first := begin(t, h.Store, c.ID, "收不到验证码怎么办", "")
	second := begin(t, h.Store, c.ID, "收不到验证码怎么办", "")
	assert.Equal(t, []int64{1, 2}, []int64{first.Seq, second.Seq}, "without a key every message is new")
	assert.Len(t, all(t, h.Store, c.ID), 2)
}

func testIdempotentSameBody(t *testing.T, h Harness) {
	ctx := ctxFor(t)
	c := newConversation(t, h.Store, "u")
	user := begin(t, h.Store, c.ID, "怎么退款?", "key-1")

	// While the first request runs, a retry sees the user message and no reply.
	retry := userMessage(c.ID, "怎么退款?")
	prior, err := h.Store.BeginTurn(ctx, &retry, keyFor("key-1", "怎么退款?"))
	require.NoError(t, err)
	require.NotNil(t, prior)
	assertSameMessage(t, user, prior.User)
	assert.Nil(t, prior.Reply)
	assert.False(t, prior.Done)
	assert.Zero(t, retry.ID, "the retry stored nothing")

	reply := botReply(c.ID, "退款会在 3 个工作日内到账。")
	require.NoError(t, h.Store.FinishTurn(ctx, &bot.Outcome{ConversationID: c.ID, Reply: reply,
		State: bot.StateBot, Language: "zh", UserMessageID: user.ID}))

	// Once answered, a retry gets the very reply.
	prior, err = h.Store.BeginTurn(ctx, &retry, keyFor("key-1", "怎么退款?"))
	require.NoError(t, err)
	require.NotNil(t, prior)
	assert.True(t, prior.Done)
	require.NotNil(t, prior.Reply)
	assertSameMessage(t, *reply, *prior.Reply)
	assert.Equal(t, user.ID, prior.User.ID)
	assert.Len(t, all(t, h.Store, c.ID), 2, "one user message, one reply")
}

func testIdempotentOtherBody(t *testing.T, h Harness) {
	ctx := ctxFor(t)
	c := newConversation(t, h.Store, "u")
	begin(t, h.Store, c.ID, "first question", "key-1")
	other := userMessage(c.ID, "another question")
	_, err := h.Store.BeginTurn(ctx, &other, keyFor("key-1", "another question"))
	assert.ErrorIs(t, err, bot.ErrIdempotencyMismatch)
	assert.Len(t, all(t, h.Store, c.ID), 1, "the mismatch stored nothing")
}

func testKeyPerConversation(t *testing.T, h Harness) {
	a := newConversation(t, h.Store, "u")
	b := newConversation(t, h.Store, "u")
	begin(t, h.Store, a.ID, "hello", "key-1")
	m := begin(t, h.Store, b.ID, "hello", "key-1")
	assert.Equal(t, int64(1), m.Seq, "a key belongs to one conversation")
}

func testConcurrentBegin(t *testing.T, h Harness) {
	ctx := ctxFor(t)
	c := newConversation(t, h.Store, "u")
	const n = 20
	var wg sync.WaitGroup
	msgs := make([]bot.Message, n)
	priors := make([]*bot.Turn, n)
	errs := make([]error, n)
	for i := range n {
		msgs[i] = userMessage(c.ID, "收不到验证码怎么办")
		wg.Go(func() {
			priors[i], errs[i] = h.Store.BeginTurn(ctx, &msgs[i], keyFor("same-key", "收不到验证码怎么办"))
		})
	}
	wg.Wait()
	winner := -1
	for i := range n {
		require.NoError(t, errs[i], "request %d", i)
		if priors[i] == nil {
			assert.Equal(t, -1, winner, "exactly one request stores the message")
			winner = i
		}
	}
	require.NotEqual(t, -1, winner, "one request stores the message")
	for i, p := range priors {
		if p != nil {
			assert.Equal(t, msgs[winner].ID, p.User.ID, "request %d sees the stored turn", i)
		}
	}
	stored := all(t, h.Store, c.ID)
	require.Len(t, stored, 1)
	assert.Equal(t, msgs[winner].ID, stored[0].ID)
}

func testBeginInvalid(t *testing.T, h Harness) {
	ctx := ctxFor(t)
	c := newConversation(t, h.Store, "u")
	for name, key := range map[string]bot.TurnKey{
		"no body hash":      {Key: "k"},
		"overlong key":      keyFor(strings.Repeat("k", bot.MaxKeyLen+1), "hi"),
		"NUL in the key":    keyFor("k\x00", "hi"),
		"invalid UTF-8 key": keyFor("\xff", "hi"),
	} {
		m := userMessage(c.ID, "hi")
		_, err := h.Store.BeginTurn(ctx, &m, key)
		assert.ErrorIs(t, err, bot.ErrInvalid, name)
	}
	// A key of the longest length is fine, in characters, not bytes.
	begin(t, h.Store, c.ID, "hi", strings.Repeat("键", bot.MaxKeyLen))
	assert.Len(t, all(t, h.Store, c.ID), 1)
}

func testFinishTurn(t *testing.T, h Harness) {
	ctx := ctxFor(t)
	c := newConversation(t, h.Store, "u")
	user := begin(t, h.Store, c.ID, "那提现呢?", "k")
	time.Sleep(2 * time.Millisecond) // so that updated_at can move
	reply := botReply(c.ID, "提现一般 1-3 个工作日到账。")
	o := &bot.Outcome{ConversationID: c.ID, Reply: reply, State: bot.StateBot, LowStreak: 1, HumanAsks: 2,
		Language: "zh", UserMessageID: user.ID, UserSentiment: &bot.Sentiment{Label: "negative", Score: -0.5},
		UserQuery: "提现多久到账?"}
	require.NoError(t, h.Store.FinishTurn(ctx, o))
	assert.NotZero(t, reply.ID)
	assert.Equal(t, int64(2), reply.Seq)
	assert.False(t, reply.CreatedAt.IsZero())

	got, err := h.Store.Conversation(ctx, c.ID, "u")
	require.NoError(t, err)
	assert.Equal(t, bot.StateBot, got.State)
	assert.Equal(t, 1, got.LowStreak)
	assert.Equal(t, 2, got.HumanAsks)
	assert.Equal(t, "zh", got.Language)
	assert.True(t, got.UpdatedAt.After(c.UpdatedAt), "updated_at moves")

	ms := all(t, h.Store, c.ID)
	require.Len(t, ms, 2)
	user.Sentiment = &bot.Sentiment{Label: "negative", Score: -0.5}
	user.Query = "提现多久到账?"
	assertSameMessage(t, user, ms[0], "the turn wrote what it learned onto the user message")
	assertSameMessage(t, *reply, ms[1])

	// An empty language and no user facts keep what is stored.
	next := begin(t, h.Store, c.ID, "ok", "")
	require.NoError(t, h.Store.FinishTurn(ctx, &bot.Outcome{ConversationID: c.ID,
		Reply: &bot.Message{Role: bot.RoleBot, Text: "👍", Decision: bot.DecisionAnswer}, State: bot.StateBot,
		UserMessageID: next.ID}))
	got, err = h.Store.Conversation(ctx, c.ID, "u")
	require.NoError(t, err)
	assert.Equal(t, "zh", got.Language)
	assert.Equal(t, 0, got.LowStreak)
	ms = all(t, h.Store, c.ID)
	require.Len(t, ms, 4)
	assertSameMessage(t, next, ms[2], "no sentiment or query given: unchanged")
}

func testFinishWithoutReply(t *testing.T, h Harness) {
	ctx := ctxFor(t)
	c := newConversation(t, h.Store, "u")
	require.NoError(t, h.Store.SetState(ctx, c.ID, bot.StateAgent))
	user := begin(t, h.Store, c.ID, "are you there?", "k")
	require.NoError(t, h.Store.FinishTurn(ctx, &bot.Outcome{ConversationID: c.ID, State: bot.StateAgent,
		HumanAsks: 1, UserMessageID: user.ID}))

	assert.Len(t, all(t, h.Store, c.ID), 1, "the bot stayed silent")
	retry := userMessage(c.ID, "are you there?")
	prior, err := h.Store.BeginTurn(ctx, &retry, keyFor("k", "are you there?"))
	require.NoError(t, err)
	require.NotNil(t, prior)
	assert.True(t, prior.Done, "the turn is over")
	assert.Nil(t, prior.Reply)
	got, err := h.Store.Conversation(ctx, c.ID, "u")
	require.NoError(t, err)
	assert.Equal(t, 1, got.HumanAsks)

	// The seq the silent turn did not use goes to the next message.
	next := begin(t, h.Store, c.ID, "hello?", "")
	assert.Equal(t, int64(2), next.Seq)
}

// testFinishKeepsState: an outcome without a state leaves the stored one, so a message handled
// while an agent claims or resolves the ticket cannot undo that change.
func testFinishKeepsState(t *testing.T, h Harness) {
	ctx := ctxFor(t)
	c := newConversation(t, h.Store, "u")
	require.NoError(t, h.Store.SetState(ctx, c.ID, bot.StateQueued))
	user := begin(t, h.Store, c.ID, "still waiting", "")
	require.NoError(t, h.Store.SetState(ctx, c.ID, bot.StateResolved)) // an agent resolves meanwhile
	require.NoError(t, h.Store.FinishTurn(ctx, &bot.Outcome{ConversationID: c.ID, HumanAsks: 2, UserMessageID: user.ID}))
	got, err := h.Store.Conversation(ctx, c.ID, "u")
	require.NoError(t, err)
	assert.Equal(t, bot.StateResolved, got.State)
	assert.Equal(t, 2, got.HumanAsks, "the rest of the outcome is written")
}

// handoffTicket is the ticket the policy opens when the user asks for a human.
func handoffTicket(c bot.Conversation) *handoff.Ticket {
	tk := handoff.DefaultPolicy().Open(handoff.OpenRequest{
		ConversationID: c.ID, OwnerID: c.OwnerID, Category: "account", Trigger: handoff.TriggerUserRequest,
		Reason: "the user asked for a human", Question: "账号被盗了", Summary: "user: 账号被盗了",
		SentimentTrail: []handoff.SentimentPoint{{Label: "negative", Score: -0.6, At: time.Now().UTC()}},
		Language:       "zh",
	}, time.Now())
	return &tk
}

func handoffOutcome(c bot.Conversation, user bot.Message, tk *handoff.Ticket) *bot.Outcome {
	return &bot.Outcome{ConversationID: c.ID, State: bot.StateQueued, UserMessageID: user.ID, Ticket: tk,
		Reply: &bot.Message{Role: bot.RoleBot, Decision: bot.DecisionHandoff, Reason: tk.Reason,
			Text: "已为您转接人工客服,工单号 " + tk.Number}}
}

func testFinishWithTicket(t *testing.T, h Harness) {
	ctx := ctxFor(t)
	c := newConversation(t, h.Store, "u")
	user := begin(t, h.Store, c.ID, "转人工", "k")
	tk := handoffTicket(c)
	o := handoffOutcome(c, user, tk)
	require.NoError(t, h.Store.FinishTurn(ctx, o))
	assert.NotZero(t, tk.ID, "the ticket got its id")

	got, err := h.Tickets.Ticket(ctx, tk.Number)
	require.NoError(t, err)
	assert.Equal(t, tk.ID, got.ID)
	assert.Equal(t, c.ID, got.ConversationID)
	assert.Equal(t, handoff.StatusQueued, got.Status)
	open, err := h.Tickets.OpenTicketFor(ctx, c.ID)
	require.NoError(t, err)
	assert.Equal(t, tk.Number, open.Number)
	events, err := h.Tickets.Events(ctx, tk.Number)
	require.NoError(t, err)
	require.Len(t, events, 1)
	assert.Equal(t, handoff.EventCreated, events[0].Kind)

	conv, err := h.Store.Conversation(ctx, c.ID, "u")
	require.NoError(t, err)
	assert.Equal(t, bot.StateQueued, conv.State)
	ms := all(t, h.Store, c.ID)
	require.Len(t, ms, 2)
	assertSameMessage(t, *o.Reply, ms[1])
}

func testFinishAtomic(t *testing.T, h Harness) {
	cases := []struct {
		name string
		// setup prepares the conversation and returns the ticket the failing turn carries.
		setup func(t *testing.T, c bot.Conversation) *handoff.Ticket
	}{
		{"ticket number taken", func(t *testing.T, c bot.Conversation) *handoff.Ticket {
			other := newConversation(t, h.Store, "someone else")
			first := handoffTicket(other)
			u := begin(t, h.Store, other.ID, "help", "")
			require.NoError(t, h.Store.FinishTurn(ctxFor(t), handoffOutcome(other, u, first)))
			dup := handoffTicket(c)
			dup.Number = first.Number
			return dup
		}},
		{"second open ticket", func(t *testing.T, c bot.Conversation) *handoff.Ticket {
			u := begin(t, h.Store, c.ID, "help", "")
			require.NoError(t, h.Store.FinishTurn(ctxFor(t), handoffOutcome(c, u, handoffTicket(c))))
			return handoffTicket(c)
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ctx := ctxFor(t)
			c := newConversation(t, h.Store, "u")
			tk := tc.setup(t, c)
			user := begin(t, h.Store, c.ID, "转人工!!", "retry-key")
			before, err := h.Store.Conversation(ctx, c.ID, "u")
			require.NoError(t, err)
			msgsBefore := all(t, h.Store, c.ID)
			time.Sleep(2 * time.Millisecond) // a write would move updated_at

			o := handoffOutcome(c, user, tk)
			o.LowStreak, o.HumanAsks, o.Language, o.UserQuery = 3, 4, "en", "rewritten"
			err = h.Store.FinishTurn(ctx, o)
			assert.ErrorIs(t, err, bot.ErrConflict)
			assert.ErrorIs(t, err, handoff.ErrConflict, "the ticket store's reason is kept")

			after, err := h.Store.Conversation(ctx, c.ID, "u")
			require.NoError(t, err)
			assertSameConversation(t, before, after, "no state change")
			assert.Equal(t, msgsBefore, all(t, h.Store, c.ID), "no reply, no change to the user message")
			retry := userMessage(c.ID, "转人工!!")
			prior, err := h.Store.BeginTurn(ctx, &retry, keyFor("retry-key", "转人工!!"))
			require.NoError(t, err)
			require.NotNil(t, prior)
			assert.False(t, prior.Done, "the turn is not marked done")
			_, err = h.Tickets.Ticket(ctx, tk.Number)
			if tc.name == "second open ticket" {
				assert.ErrorIs(t, err, handoff.ErrNotFound, "the refused ticket is not stored")
			}
		})
	}
}

func testFinishRejects(t *testing.T, h Harness) {
	ctx := ctxFor(t)
	c := newConversation(t, h.Store, "u")
	other := newConversation(t, h.Store, "u")
	begin(t, h.Store, c.ID, "hi", "")
	foreign := begin(t, h.Store, other.ID, "hi", "")
	notice := bot.Message{ConversationID: c.ID, Role: bot.RoleBot, Text: "x"}
	require.NoError(t, h.Store.AppendMessage(ctx, &notice))
	reply := func() *bot.Message { return &bot.Message{Role: bot.RoleBot, Text: "hello"} }

	cases := []struct {
		name string
		o    bot.Outcome
		want error
	}{
		{"unknown conversation", bot.Outcome{ConversationID: "00000000-0000-4000-8000-000000000000", State: bot.StateBot, Reply: reply()}, bot.ErrNotFound},
		{"user message of another conversation", bot.Outcome{ConversationID: c.ID, State: bot.StateBot, Reply: reply(), UserMessageID: foreign.ID}, bot.ErrNotFound},
		{"a bot message as the user message", bot.Outcome{ConversationID: c.ID, State: bot.StateBot, Reply: reply(), UserMessageID: notice.ID}, bot.ErrNotFound},
		{"malformed conversation id", bot.Outcome{ConversationID: "c-1", State: bot.StateBot, Reply: reply()}, bot.ErrNotFound},
		{"unknown state", bot.Outcome{ConversationID: c.ID, State: "lost", Reply: reply()}, bot.ErrInvalid},
		{"invalid reply", bot.Outcome{ConversationID: c.ID, State: bot.StateBot, Reply: &bot.Message{Role: bot.RoleBot}}, bot.ErrInvalid},
		{"ticket of another conversation", bot.Outcome{ConversationID: c.ID, State: bot.StateQueued, Reply: reply(), Ticket: handoffTicket(other)}, bot.ErrInvalid},
	}
	for _, tc := range cases {
		err := h.Store.FinishTurn(ctx, &tc.o)
		assert.ErrorIs(t, err, tc.want, tc.name)
	}
	assert.Len(t, all(t, h.Store, c.ID), 2, "nothing was written")
	assert.Len(t, all(t, h.Store, other.ID), 1, "nothing was written")
	got, err := h.Store.Conversation(ctx, c.ID, "u")
	require.NoError(t, err)
	assert.Equal(t, bot.StateBot, got.State)
}

// testExpireTurnKeys: keys begun before the cutoff go, done or abandoned, and a retry with one
// is then a new message; younger keys still replay their turn. The stores stamp keys with the
// wall clock, so the cutoff is taken from the keys themselves.
func testExpireTurnKeys(t *testing.T, h Harness) {
	ctx := ctxFor(t)
	c := newConversation(t, h.Store, "u")
	finish := func(user bot.Message, text string) *bot.Message {
		reply := botReply(c.ID, text)
		require.NoError(t, h.Store.FinishTurn(ctx, &bot.Outcome{ConversationID: c.ID, Reply: reply,
			State: bot.StateBot, UserMessageID: user.ID}))
		return reply
	}
	oldDone := begin(t, h.Store, c.ID, "old question", "old-done")
	finish(oldDone, "old answer")
	oldAbandoned := begin(t, h.Store, c.ID, "abandoned question", "old-abandoned")
	cutoff := oldAbandoned.CreatedAt.Add(time.Microsecond)
	time.Sleep(2 * time.Millisecond) // the fresh keys are stored after the cutoff
	fresh := begin(t, h.Store, c.ID, "fresh question", "fresh-done")
	freshReply := finish(fresh, "fresh answer")
	running := begin(t, h.Store, c.ID, "running question", "fresh-running")
	require.True(t, fresh.CreatedAt.After(cutoff), "fresh keys are younger than the cutoff")

	// "Before" is strict: the oldest key stays at a cutoff of its own time. (This also clears
	// whatever older keys the harness's store held, so the count below is ours.)
	_, err := h.Store.ExpireTurnKeys(ctx, oldDone.CreatedAt)
	require.NoError(t, err)
	retry := userMessage(c.ID, "old question")
	prior, err := h.Store.BeginTurn(ctx, &retry, keyFor("old-done", "old question"))
	require.NoError(t, err)
	require.NotNil(t, prior, "a key as old as the cutoff is kept")

	n, err := h.Store.ExpireTurnKeys(ctx, cutoff)
	require.NoError(t, err)
	assert.Equal(t, 2, n, "the done and the abandoned old key")
	n, err = h.Store.ExpireTurnKeys(ctx, cutoff)
	require.NoError(t, err)
	assert.Zero(t, n, "expired once")
	assert.Len(t, all(t, h.Store, c.ID), 6, "the messages stay")

	for _, old := range []struct{ key, text string }{
		{"old-done", "old question"}, {"old-abandoned", "abandoned question"},
	} {
		retry := userMessage(c.ID, old.text)
		prior, err := h.Store.BeginTurn(ctx, &retry, keyFor(old.key, old.text))
		require.NoError(t, err, old.key)
		assert.Nil(t, prior, "%s expired: the retry is a new message", old.key)
		assert.NotZero(t, retry.ID, old.key)
	}
	assert.Len(t, all(t, h.Store, c.ID), 8)

	retry = userMessage(c.ID, "fresh question")
	prior, err = h.Store.BeginTurn(ctx, &retry, keyFor("fresh-done", "fresh question"))
	require.NoError(t, err)
	require.NotNil(t, prior, "a fresh key is kept")
	assert.True(t, prior.Done)
	require.NotNil(t, prior.Reply)
	assertSameMessage(t, *freshReply, *prior.Reply, "and replays its reply")

	retry = userMessage(c.ID, "running question")
	prior, err = h.Store.BeginTurn(ctx, &retry, keyFor("fresh-running", "running question"))
	require.NoError(t, err)
	require.NotNil(t, prior, "a fresh key of a running turn is kept")
	assert.False(t, prior.Done)
	assert.Equal(t, running.ID, prior.User.ID)
	assert.Len(t, all(t, h.Store, c.ID), 8, "the retries of fresh keys stored nothing")
}
