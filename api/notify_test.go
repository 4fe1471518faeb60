package api_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/faqbot/faqbot/bot"
)

// TestStreamsWakeOnNotifications runs both event streams on PostgreSQL with LISTEN/NOTIFY and
// no polling at all: every event below reaches its stream because a trigger announced the
// write.
func TestStreamsWakeOnNotifications(t *testing.T) {
	e := newUserEnv(t, userEnvOptions{secret: userSecret, postgres: true, notify: true})
	base := serve(t, e).URL
	agents := openAgentEvents(t, base, e.agent, "", nil)

	owner := userToken(t, "notified user")
	conv, number := e.openTicket(owner)
	created := agents.next()
	assert.Equal(t, "ticket.created", created.name)
	assert.Equal(t, number, created.data.Number)

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	_, user := openEvents(t, ctx, base, owner, conv.ID, "?after=2", nil)
	assert.Equal(t, "queued", nextState(t, user))

	e.say(owner, conv.ID, "有人吗？")
	msg := agents.next()
	assert.Equal(t, "message.user", msg.name)
	assert.Equal(t, "有人吗？", msg.data.Text)
	var states []string
	assert.Equal(t, "有人吗？", nextMessage(t, user, &states).Text)

	bg := context.Background()
	require.NoError(t, e.convs.SetState(bg, conv.ID, bot.StateAgent))
	require.NoError(t, e.convs.AppendMessage(bg, &bot.Message{ConversationID: conv.ID, Role: bot.RoleAgent, Author: "Alice", Text: "您好，我来帮您"}))
	// The bot's answer to the question above may still be on its way: read up to the agent's.
	var reply messageJSON
	for reply.Role != "agent" {
		reply = nextMessage(t, user, &states)
	}
	assert.Equal(t, "您好，我来帮您", reply.Text)
	if !slices.Contains(states, "agent") {
		assert.Equal(t, "agent", nextState(t, user), "the hand-over reaches the stream")
	}
}
