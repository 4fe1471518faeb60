package bot_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/faqbot/faqbot/bot"
	"github.com/faqbot/faqbot/handoff"
)

func TestMessageFeedNamesTheOpenTicket(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, nil)
	heads, err := f.engine.FeedHeads(ctx)
	require.NoError(t, err)
	assert.Zero(t, heads.Message, "an empty store")

	chatting := f.start(t, "chatting")
	f.say(t, &chatting, "收不到验证码怎么办")
	waiting, number := handedOver(t, f, "waiting", "转人工")
	f.say(t, &waiting, "还要等多久?")

	feed, err := f.engine.MessageFeed(ctx, heads.Message, bot.MaxFeedLimit)
	require.NoError(t, err)
	var forAgents []bot.FeedMessage
	var last int64
	for _, m := range feed {
		assert.Greater(t, m.ID, last, "every message, in id order")
		last = m.ID
		if m.Ticket != nil {
			forAgents = append(forAgents, m)
		}
	}
	assert.Len(t, feed, 6, "three turns of the two conversations")
	require.Len(t, forAgents, 1, "only the user's message written while a ticket was open")
	assert.Equal(t, "还要等多久?", forAgents[0].Text)
	assert.Equal(t, waiting.ID, forAgents[0].ConversationID)
	assert.Equal(t, number, forAgents[0].Ticket.Number)
	assert.NotEmpty(t, forAgents[0].Ticket.Queue)

	// The handoff wrote the ticket's first event; the head is there now.
	events, err := f.engine.TicketEvents(ctx, heads.TicketEvent, 100)
	require.NoError(t, err)
	require.NotEmpty(t, events)
	assert.Equal(t, handoff.EventCreated, events[0].Kind)
	assert.Equal(t, number, events[0].Number)
	now, err := f.engine.FeedHeads(ctx)
	require.NoError(t, err)
	assert.Equal(t, events[len(events)-1].ID, now.TicketEvent)
	assert.Equal(t, last, now.Message)

	_, err = f.engine.MessageFeed(ctx, -1, 10)
	assert.ErrorIs(t, err, bot.ErrInvalid)
	_, err = f.engine.TicketEvents(ctx, 0, 0)
	assert.ErrorIs(t, err, bot.ErrInvalid, "the ticket store's kind gets the bot's")
}
