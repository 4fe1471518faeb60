package bot

import (
	"context"
	"errors"
	"fmt"

	"github.com/faqbot/faqbot/handoff"
)

// MaxFeedLimit bounds the messages one MessagesAfter call returns.
const MaxFeedLimit = 1000

// FeedHeads are the newest IDs of the two feeds agents follow: messages and ticket events.
type FeedHeads struct {
	Message     int64
	TicketEvent int64
}

// CheckFeed checks where a feed reader is and how much it asks for.
func CheckFeed(afterID int64, limit int) error {
	switch {
	case afterID < 0:
		return invalid("feed", "after", fmt.Sprintf("must not be negative, got %d", afterID))
	case limit < 1 || limit > MaxFeedLimit:
		return invalid("feed", "limit", fmt.Sprintf("must be 1 to %d, got %d", MaxFeedLimit, limit))
	}
	return nil
}

// FeedMessage is one message of the feed. Ticket is set when agents should see the message:
// it is a user's, written while its conversation had an open ticket (this one).
type FeedMessage struct {
	Message
	Ticket *handoff.Ticket
}

// MessageFeed returns the messages with ID > afterID, oldest first, at most limit, every one
// of them (so a reader keeps its place), and each user message of a conversation with an
// open ticket carries that ticket's number and queue.
func (e *Engine) MessageFeed(ctx context.Context, afterID int64, limit int) ([]FeedMessage, error) {
	msgs, err := e.store.MessagesAfter(ctx, afterID, limit)
	if err != nil {
		return nil, err
	}
	out := make([]FeedMessage, len(msgs))
	// One lookup per conversation of the page: a user usually writes several messages.
	open := map[string]*handoff.Ticket{}
	for i, m := range msgs {
		out[i].Message = m
		if m.Role != RoleUser {
			continue
		}
		t, seen := open[m.ConversationID]
		if !seen {
			got, err := e.tickets.OpenTicketFor(ctx, m.ConversationID)
			switch {
			case err == nil:
				t = &got
			case !errors.Is(err, handoff.ErrNotFound):
				return nil, fmt.Errorf("open ticket of conversation %s: %w", m.ConversationID, ticketKind(err))
			}
			open[m.ConversationID] = t
		}
		// The message that asked for the human came before its ticket: the ticket's
		// creation tells agents about it.
		if t != nil && !m.CreatedAt.Before(t.CreatedAt) {
			out[i].Ticket = t
		}
	}
	return out, nil
}

// TicketEvents is the feed of every ticket's history (handoff.Store.EventsAfter).
func (e *Engine) TicketEvents(ctx context.Context, afterID int64, limit int) ([]handoff.Event, error) {
	events, err := e.tickets.EventsAfter(ctx, afterID, limit)
	if err != nil {
		return nil, ticketKind(err)
	}
	return events, nil
}

// FeedHeads returns where the feeds are now: a reader that starts there sees what happens
// next and nothing of the past.
func (e *Engine) FeedHeads(ctx context.Context) (FeedHeads, error) {
	return e.store.FeedHeads(ctx)
}
