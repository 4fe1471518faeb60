package api

import (
	"context"
	"time"

	"github.com/labstack/echo/v4"
)

// Notifier rings event streams when the database changes, on whichever replica the change was
// made: internal/postgres.Listener is one (LISTEN/NOTIFY). A ring only says "look again"; the
// streams read the stores, which stay the truth, so a lost ring costs a delay, never an event.
type Notifier interface {
	// Subscribe returns a doorbell that rings after a notification on channel whose key is key
	// (every one on channel when key is empty), and a func that ends the subscription.
	Subscribe(channel, key string) (<-chan struct{}, func())
}

// The notification channels of migration 008_notify.sql, and what a payload's key is.
const (
	ChannelTickets  = "faqbot_tickets"  // a ticket event was written; no key needed
	ChannelMessages = "faqbot_messages" // a message was written; key: the conversation id
	ChannelStates   = "faqbot_states"   // a conversation changed state; key: its id
)

// NotifyChannels are the channels a Notifier for this API listens to.
var NotifyChannels = []string{ChannelTickets, ChannelMessages, ChannelStates}

// DefaultSafetyPoll is how often a stream woken by notifications reads the store anyway.
const DefaultSafetyPoll = 5 * time.Second

// topic is what a stream follows: a channel and a key.
type topic struct{ channel, key string }

// wakeup tells a stream when to read the store again: when a doorbell of its topics rings,
// and on a ticker: the poll interval without a notifier, the slow safety poll with one (in
// case its connection was down and the reconnection's ring was missed).
type wakeup struct {
	bells [2]<-chan struct{} // nil never rings
	tick  *time.Ticker
	ends  []func()
}

// newWakeup subscribes to at most two topics before the stream's first read, so that nothing
// written after that read goes unnoticed.
func newWakeup(n Notifier, cfg Config, topics ...topic) *wakeup {
	w := &wakeup{}
	if n == nil {
		w.tick = time.NewTicker(cfg.EventPoll)
		return w
	}
	for i, t := range topics[:min(len(topics), len(w.bells))] {
		bell, end := n.Subscribe(t.channel, t.key)
		w.bells[i] = bell
		w.ends = append(w.ends, end)
	}
	w.tick = time.NewTicker(cfg.SafetyPoll)
	return w
}

func (w *wakeup) stop() {
	w.tick.Stop()
	for _, end := range w.ends {
		end()
	}
}

// follow runs a started stream: it sends what is new, then waits for a doorbell, the wakeup's
// tick or the heartbeat, until the client leaves, the server closes its streams, a write
// fails, or send fails (told to the client as an "error" event while it can still hear it).
func follow(c echo.Context, stream *sseStream, wake *wakeup, heartbeat time.Duration, closing <-chan struct{},
	streamError func(error, echo.Context) *apiError, send func(context.Context) error) {
	ctx := c.Request().Context()
	beat := time.NewTicker(heartbeat)
	defer beat.Stop()
	for {
		if err := send(ctx); err != nil {
			if ctx.Err() == nil && !stream.Failed(err) {
				_ = stream.Event("error", "", streamError(err, c).body(c))
			}
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-closing:
			return
		case <-beat.C:
			if stream.Comment("ping") != nil {
				return
			}
		case <-wake.bells[0]:
		case <-wake.bells[1]:
		case <-wake.tick.C:
		}
	}
}
