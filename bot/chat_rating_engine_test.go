package bot_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/faqbot/faqbot/bot"
	"github.com/faqbot/faqbot/handoff"
)

func TestAScoreTypedAfterTheRatingPromptRatesTheTicket(t *testing.T) {
	onEachStore(t, nil, func(t *testing.T, f agentFixture) {
		ctx := context.Background()
		c, tk := f.open(t, "rater", "zh", "payment", handoff.P2)
		_, err := f.engine.ClaimTicket(ctx, alice, nil)
		require.NoError(t, err)
		_, err = f.engine.AgentResolve(ctx, alice, tk.Number)
		require.NoError(t, err)

		reply, err := f.engine.Handle(ctx, f.conversation(t, c), "５分", "", nil)
		require.NoError(t, err)
		assert.Equal(t, bot.StateBot, reply.State, "the chat is the bot's again")
		require.NotNil(t, reply.Message)
		assert.Contains(t, reply.Message.Text, "感谢你的 5 分评价")
		assert.Contains(t, reply.Reason, tk.Number)
		rating, err := f.tickets.Rating(ctx, tk.Number)
		require.NoError(t, err)
		assert.Equal(t, 5, rating.Score)
		assert.Equal(t, handoff.StatusClosed, f.ticket(t, tk.Number).Status)

		// Once rated, a number is just a message for the bot: no second rating, no error.
		reply, err = f.engine.Handle(ctx, f.conversation(t, c), "3", "", nil)
		require.NoError(t, err)
		assert.NotContains(t, reply.Reason, "rating")
		rating, err = f.tickets.Rating(ctx, tk.Number)
		require.NoError(t, err)
		assert.Equal(t, 5, rating.Score, "the first rating stands")
	})
}

func TestALowScoreInTheChatIsRecordedWithAnApology(t *testing.T) {
	ctx := context.Background()
	f := newAgentFixture(t, nil)
	c, tk := f.open(t, "unhappy", "en", "tech", handoff.P3)
	_, err := f.engine.AgentResolve(ctx, bot.Agent{Name: "admin"}, tk.Number)
	require.NoError(t, err)

	reply, err := f.engine.Handle(ctx, f.conversation(t, c), "1 star", "", nil)
	require.NoError(t, err)
	assert.Contains(t, reply.Message.Text, "sorry")
	rating, err := f.tickets.Rating(ctx, tk.Number)
	require.NoError(t, err)
	assert.Equal(t, 1, rating.Score)
}

func TestAScoreWithoutAResolvedTicketIsAQuestion(t *testing.T) {
	ctx := context.Background()
	f := newAgentFixture(t, nil)
	c, err := f.engine.Start(ctx, "curious", "en")
	require.NoError(t, err)
	reply, err := f.engine.Handle(ctx, c, "5", "", nil)
	require.NoError(t, err)
	assert.NotContains(t, reply.Reason, "rating")
	assert.NotEqual(t, bot.StateResolved, reply.State)
}
