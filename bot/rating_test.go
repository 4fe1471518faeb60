package bot_test

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/faqbot/faqbot/bot"
	"github.com/faqbot/faqbot/handoff"
)

// handedOver is a conversation of owner whose ask for a human opened a ticket.
func handedOver(t *testing.T, f fixture, owner, ask string) (bot.Conversation, string) {
	t.Helper()
	c := f.start(t, owner)
	r := f.say(t, &c, ask)
	require.Equal(t, bot.DecisionHandoff, r.Decision, r.Reason)
	require.NotNil(t, r.Ticket)
	return c, r.Ticket.Number
}

func lastMessage(t *testing.T, f fixture, c bot.Conversation) bot.Message {
	t.Helper()
	msgs, err := f.engine.Transcript(context.Background(), c.ID, c.OwnerID, 0, 100)
	require.NoError(t, err)
	require.NotEmpty(t, msgs)
	return msgs[len(msgs)-1]
}

func TestResolveTicketAsksForARating(t *testing.T) {
	tests := []struct {
		name, ask, agentState, wantText, next string
	}{
		{"en, queued", "I want to talk to a human", "", "Your ticket has been resolved. How did we do? Please rate us from 1 to 5.", "How do I delete my account?"},
		{"zh, agent owns it", "转人工", "agent", "问题已解决，请为本次服务打分（1-5 分）", "收不到验证码怎么办"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			f := newFixture(t, nil)
			c, number := handedOver(t, f, "u-"+tc.name, tc.ask)
			if tc.agentState != "" {
				require.NoError(t, f.store.SetState(ctx, c.ID, bot.State(tc.agentState)))
			}

			// Typed back the way a person reads it: lowercase, no dash.
			got, err := f.engine.ResolveTicket(ctx, strings.ToLower(strings.ReplaceAll(number, "-", "")), "agent-9")
			require.NoError(t, err)
			assert.Equal(t, number, got.Number)
			assert.Equal(t, handoff.StatusResolved, got.Status)
			assert.False(t, got.ResolvedAt.IsZero())

			c, err = f.engine.Conversation(ctx, c.ID, c.OwnerID)
			require.NoError(t, err)
			assert.Equal(t, bot.StateResolved, c.State)
			notice := lastMessage(t, f, c)
			assert.Equal(t, bot.RoleSystem, notice.Role)
			assert.Equal(t, tc.wantText, notice.Text)

			events, err := f.tickets.Events(ctx, number)
			require.NoError(t, err)
			require.Len(t, events, 2)
			assert.Equal(t, handoff.EventResolved, events[1].Kind)
			assert.Equal(t, "agent-9", events[1].Actor)

			// The next message is the bot's again.
			r := f.say(t, &c, tc.next)
			assert.Equal(t, bot.DecisionAnswer, r.Decision, r.Reason)
			require.NotNil(t, r.Message)
			assert.Equal(t, bot.RoleBot, r.Message.Role)
			assert.NotEmpty(t, r.Message.Citations)
			assert.Equal(t, bot.StateBot, c.State)
		})
	}
}

func TestResolveTicketRefusals(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, nil)
	c, number := handedOver(t, f, "u-refuse", "转人工")
	before := lastMessage(t, f, c)

	_, err := f.engine.ResolveTicket(ctx, number, " ")
	assert.ErrorIs(t, err, bot.ErrInvalid, "no actor")
	assert.ErrorIs(t, err, handoff.ErrInvalid)
	for _, n := range []string{"", "nope", "ZZZZ-ZZZZ", number + "X"} {
		_, err := f.engine.ResolveTicket(ctx, n, "agent-1")
		assert.ErrorIs(t, err, bot.ErrNotFound, "number %q", n)
	}
	c, err = f.engine.Conversation(ctx, c.ID, c.OwnerID)
	require.NoError(t, err)
	assert.Equal(t, bot.StateQueued, c.State, "nothing changed")
	assert.Equal(t, before.ID, lastMessage(t, f, c).ID, "no notice written")

	_, err = f.engine.ResolveTicket(ctx, number, "agent-1")
	require.NoError(t, err)
	notice := lastMessage(t, f, c)
	_, err = f.engine.ResolveTicket(ctx, number, "agent-2")
	assert.ErrorIs(t, err, bot.ErrConflict, "a second resolve")
	assert.ErrorIs(t, err, handoff.ErrAlreadyResolved)
	assert.Equal(t, notice.ID, lastMessage(t, f, c).ID, "the user is asked once")
}

// TestResolveTicketEndsTheAsks: asking for a human while queued counts toward priority;
// once the ticket is resolved, the next handoff starts from the usual tier again.
func TestResolveTicketEndsTheAsks(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, nil)
	c, number := handedOver(t, f, "u-asks", "I want to talk to a human")
	f.say(t, &c, "I want to talk to a human now")
	require.Positive(t, c.HumanAsks)

	_, err := f.engine.ResolveTicket(ctx, number, "agent-1")
	require.NoError(t, err)
	c, err = f.engine.Conversation(ctx, c.ID, c.OwnerID)
	require.NoError(t, err)
	assert.Zero(t, c.HumanAsks)
	r := f.say(t, &c, "I want to talk to a human")
	require.NotNil(t, r.Ticket)
	assert.Equal(t, "P3", r.Ticket.Priority, "a new ticket, not a repeated ask")
}

func TestRateTicket(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, nil)
	c, number := handedOver(t, f, "u-rater", "转人工")
	typed := strings.ToLower(number)

	_, err := f.engine.RateTicket(ctx, typed, c.OwnerID, 5, "")
	assert.ErrorIs(t, err, bot.ErrConflict, "not resolved yet")
	assert.ErrorIs(t, err, handoff.ErrNotResolved)

	_, err = f.engine.ResolveTicket(ctx, number, "agent-1")
	require.NoError(t, err)
	cases := []struct {
		name, number, owner string
		score               int
		want                error
	}{
		{"another user", typed, "u-mallory", 5, bot.ErrNotFound},
		{"malformed number", "no-such-ticket", c.OwnerID, 5, bot.ErrNotFound},
		{"unknown number", "ZZZZ-ZZZZ", c.OwnerID, 5, bot.ErrNotFound},
		{"score 0", typed, c.OwnerID, 0, bot.ErrInvalid},
		{"score 6", typed, c.OwnerID, 6, bot.ErrInvalid},
	}
	for _, tc := range cases {
		_, err := f.engine.RateTicket(ctx, tc.number, tc.owner, tc.score, "")
		assert.ErrorIs(t, err, tc.want, tc.name)
	}
	_, err = f.tickets.Rating(ctx, number)
	require.ErrorIs(t, err, handoff.ErrNotFound, "nothing refused was stored")

	r, err := f.engine.RateTicket(ctx, typed, c.OwnerID, 4, "  很满意  \n")
	require.NoError(t, err)
	assert.Equal(t, handoff.Rating{TicketNumber: number, Score: 4, Comment: "很满意", CreatedAt: r.CreatedAt}, r)
	st, err := f.engine.Ticket(ctx, number, c.OwnerID)
	require.NoError(t, err)
	assert.Equal(t, handoff.StatusClosed, st.Ticket.Status)

	_, err = f.engine.RateTicket(ctx, typed, c.OwnerID, 1, "")
	assert.ErrorIs(t, err, bot.ErrConflict)
	assert.ErrorIs(t, err, handoff.ErrAlreadyRated)
}
