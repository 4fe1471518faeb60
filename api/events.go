package api

import (
	"context"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/faqbot/faqbot/bot"
)

// eventsRetry is how long a browser waits before it reconnects a dropped event stream.
const eventsRetry = 2 * time.Second

// eventsBatch bounds the messages read per poll; a longer backlog is read in more polls
// without waiting.
const eventsBatch = 100

type stateEventOut struct {
	State string `json:"state"`
}

// events streams a conversation: a "message" event per message, its id the message's seq,
// and a "state" event with the current state at once and whenever it changes. A reconnecting client sends
// the last id it saw in Last-Event-ID (browsers do) and gets what followed it, neither less
// nor more; ?after=SEQ does the same for a client that read the transcript first. Without
// either the stream starts from the first message.
//
// It reads the store when the notifier rings for this conversation (a message or a state
// change written by any replica), and on a slow safety poll; without a notifier it polls.
func (h *conversationsHandler) events(c echo.Context) error {
	after, err := resumeFrom(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	conv, err := h.conversation(ctx, endUserOf(c), c.Param("id"))
	if err != nil {
		return err
	}
	// Subscribed before the first read: whatever is written after it rings.
	wake := newWakeup(h.notifier, h.cfg, topic{ChannelMessages, conv.ID}, topic{ChannelStates, conv.ID})
	defer wake.stop()
	stream := newSSE(c)
	if err := stream.Open(eventsRetry); err != nil {
		return nil
	}
	state := bot.State("")
	follow(c, stream, wake, h.cfg.Heartbeat, h.closing, h.streamError, func(ctx context.Context) error {
		var err error
		after, state, err = h.sendNews(ctx, stream, conv, after, state)
		return err
	})
	return nil
}

// sendNews writes the messages after seq after and the state if it changed, and returns
// what the client has now seen. The state is read before the messages, so that a state change
// never reaches the client ahead of a message written before it (the bot's last reply before
// an agent takes over, say); a message written after it may come first.
func (h *conversationsHandler) sendNews(ctx context.Context, stream *sseStream, conv bot.Conversation, after int64, state bot.State) (int64, bot.State, error) {
	fresh, err := h.bot.Conversation(ctx, conv.ID, conv.OwnerID)
	if err != nil {
		return after, state, err
	}
	for {
		msgs, err := h.bot.Transcript(ctx, conv.ID, conv.OwnerID, after, eventsBatch)
		if err != nil {
			return after, state, err
		}
		for _, m := range msgs {
			if err := stream.Event("message", strconv.FormatInt(m.Seq, 10), messageOf(m)); err != nil {
				return after, state, err
			}
			after = m.Seq
		}
		if len(msgs) < eventsBatch {
			break
		}
	}
	if fresh.State != state {
		if err := stream.Event("state", "", stateEventOut{State: string(fresh.State)}); err != nil {
			return after, state, err
		}
		state = fresh.State
	}
	return after, state, nil
}

// resumeFrom is the seq after which a stream starts: Last-Event-ID, else ?after, else 0.
func resumeFrom(c echo.Context) (int64, error) {
	if s := c.Request().Header.Get("Last-Event-ID"); s != "" {
		return parseSeq("Last-Event-ID", s)
	}
	if s := c.QueryParam("after"); s != "" {
		return parseSeq("after", s)
	}
	return 0, nil
}
