package api

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/faqbot/faqbot/bot"
	"github.com/faqbot/faqbot/handoff"
	"github.com/faqbot/faqbot/internal/auth"
)

// agentEventsHandler serves GET /v1/agent/events: what agents must react to, live, whichever
// replica it happened on. It tails two feeds, the ticket events (every change of every
// ticket) and the messages (users writing into a ticket's conversation), and keeps its place
// in both in the event id, so a reconnecting client resumes exactly where it was.
type agentEventsHandler struct {
	bot         *bot.Engine
	cfg         Config
	notifier    Notifier
	closing     <-chan struct{}
	streamError func(error, echo.Context) *apiError
}

// agentEventRoutes registers the agents' stream: an agent or admin token, no request timeout
// (a stream bounds itself).
func (s *Server) agentEventRoutes(v1 *echo.Group) {
	h := &agentEventsHandler{bot: s.bot, cfg: s.cfg, notifier: s.notifier, closing: s.closing, streamError: s.classifyAndLog}
	v1.GET("/agent/events", h.events, s.requireAgent)
}

// agentFeedBatch bounds the entries read per call; a longer backlog takes more calls at once.
const agentFeedBatch = 200

// The event names: "ticket." and the ticket event's kind, and one for users' messages.
const (
	ticketEventPrefix = "ticket."
	eventUserMessage  = "message.user"
	eventReady        = "ready"
)

// readyOut is the data of the first event: the queues the stream covers (empty: all).
type readyOut struct {
	Queues []string `json:"queues"`
}

func nonNilQueues(q []string) []string {
	if q == nil {
		return []string{}
	}
	return q
}

var msgBadAgentCursor = text{"%s must be an event id of this stream (such as t12-m34), got %q", "%s 必须是本事件流的事件 id（例如 t12-m34），收到的是 %q"}

// agentEventOut is an event's data. Ticket events carry who did what (actor, detail); users'
// messages carry the conversation, the message's seq and text.
type agentEventOut struct {
	Kind           string            `json:"kind"`
	Number         string            `json:"number"`
	Queue          string            `json:"queue"`
	At             time.Time         `json:"at"`
	Actor          string            `json:"actor,omitempty"`
	Detail         map[string]string `json:"detail,omitempty"`
	ConversationID string            `json:"conversation_id,omitempty"`
	Seq            int64             `json:"seq,omitempty"`
	Text           string            `json:"text,omitempty"`
}

// agentCursor is a place in both feeds: every ticket event up to Tickets and every message up
// to Messages has been seen (sent, or not the agent's).
type agentCursor struct {
	Tickets, Messages int64
}

func (c agentCursor) String() string {
	return "t" + strconv.FormatInt(c.Tickets, 10) + "-m" + strconv.FormatInt(c.Messages, 10)
}

// parseAgentCursor reads what String wrote, and nothing else.
func parseAgentCursor(s string) (agentCursor, bool) {
	t, m, ok := strings.Cut(s, "-")
	if !ok || !strings.HasPrefix(t, "t") || !strings.HasPrefix(m, "m") {
		return agentCursor{}, false
	}
	tickets, ok1 := parseID(t[1:])
	messages, ok2 := parseID(m[1:])
	return agentCursor{Tickets: tickets, Messages: messages}, ok1 && ok2
}

// parseID accepts a decimal id of 0 or more in its one spelling (no sign, no leading zero).
func parseID(s string) (int64, bool) {
	if s == "" || s[0] == '+' || s[0] == '-' || (len(s) > 1 && s[0] == '0') {
		return 0, false
	}
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil
}

// agentResumeFrom is where a stream starts: Last-Event-ID, else ?after; ok is false when the
// client gave neither and starts at the feeds' heads.
func agentResumeFrom(c echo.Context) (agentCursor, bool, error) {
	for _, src := range []struct{ field, value string }{
		{"Last-Event-ID", c.Request().Header.Get("Last-Event-ID")},
		{"after", c.QueryParam("after")},
	} {
		if src.value == "" {
			continue
		}
		cur, ok := parseAgentCursor(src.value)
		if !ok {
			return agentCursor{}, false, invalid(src.field, msgBadAgentCursor, src.field, clip(src.value))
		}
		return cur, true, nil
	}
	return agentCursor{}, false, nil
}

// events streams the agent's events. A new client starts at the present: without
// Last-Event-ID (or ?after) it gets what happens from now on, not the history.
func (h *agentEventsHandler) events(c echo.Context) error {
	cur, resumed, err := agentResumeFrom(c)
	if err != nil {
		return err
	}
	p, _ := c.Get(keyPrincipal).(auth.Principal)
	ctx := c.Request().Context()
	// Subscribed before the first read: whatever is written after it rings.
	wake := newWakeup(h.notifier, h.cfg, topic{ChannelTickets, ""}, topic{ChannelMessages, ""})
	defer wake.stop()
	if !resumed {
		heads, err := h.bot.FeedHeads(ctx)
		if err != nil {
			return err
		}
		cur = agentCursor{Tickets: heads.TicketEvent, Messages: heads.Message}
	}
	stream := newSSE(c)
	if err := stream.Open(eventsRetry); err != nil {
		return nil
	}
	// The place the stream starts from, so that a client that loses the connection before
	// the first event still resumes without a hole; and a sign that it is live.
	if stream.Event(eventReady, cur.String(), readyOut{Queues: nonNilQueues(p.Queues)}) != nil {
		return nil
	}
	follow(c, stream, wake, h.cfg.Heartbeat, h.closing, h.streamError, func(ctx context.Context) error {
		cur, err = h.sendNews(ctx, stream, cur, p.Queues)
		return err
	})
	return nil
}

// sendNews sends what both feeds hold after cur for the agent's queues (all when empty) and
// returns the new place. The feeds are merged by time, so that a user's message and what an
// agent did next arrive in the order they happened, also when a client resumes.
func (h *agentEventsHandler) sendNews(ctx context.Context, stream *sseStream, cur agentCursor, queues []string) (agentCursor, error) {
	for {
		events, err := h.bot.TicketEvents(ctx, cur.Tickets, agentFeedBatch)
		if err != nil {
			return cur, err
		}
		msgs, err := h.bot.MessageFeed(ctx, cur.Messages, agentFeedBatch)
		if err != nil {
			return cur, err
		}
		// A full page may have more behind it: merging stops where such a page ends, and the
		// next round reads on from there.
		moreEvents, moreMsgs := len(events) == agentFeedBatch, len(msgs) == agentFeedBatch
		for len(events) > 0 || len(msgs) > 0 {
			if len(events) == 0 && moreEvents || len(msgs) == 0 && moreMsgs {
				break
			}
			if len(events) > 0 && (len(msgs) == 0 || !msgs[0].CreatedAt.Before(events[0].At)) {
				e := events[0]
				events, cur.Tickets = events[1:], e.ID
				if !ticketEventFor(e, queues) {
					continue
				}
				out := agentEventOut{Kind: ticketEventPrefix + string(e.Kind), Number: e.Number, Queue: e.Queue,
					At: e.At, Actor: e.Actor, Detail: e.Detail}
				if err := stream.Event(out.Kind, cur.String(), out); err != nil {
					return cur, err
				}
				continue
			}
			m := msgs[0]
			msgs, cur.Messages = msgs[1:], m.ID
			if m.Ticket == nil || !inQueues(m.Ticket.Queue, queues) {
				continue
			}
			out := agentEventOut{Kind: eventUserMessage, Number: m.Ticket.Number, Queue: m.Ticket.Queue,
				At: m.CreatedAt, ConversationID: m.ConversationID, Seq: m.Seq, Text: m.Text}
			if err := stream.Event(out.Kind, cur.String(), out); err != nil {
				return cur, err
			}
		}
		if !moreEvents && !moreMsgs {
			return cur, nil
		}
	}
}

// ticketEventFor reports whether an agent of queues sees e: e names the queue the ticket was
// in right after it, and a transfer is also shown in the queue the ticket left.
func ticketEventFor(e handoff.Event, queues []string) bool {
	if inQueues(e.Queue, queues) {
		return true
	}
	return e.Kind == handoff.EventTransferred && inQueues(e.Detail["from"], queues)
}

func inQueues(queue string, queues []string) bool {
	return len(queues) == 0 || slices.Contains(queues, queue)
}
