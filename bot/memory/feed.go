package memory

import (
	"cmp"
	"context"
	"fmt"
	"slices"

	"github.com/faqbot/faqbot/bot"
	"github.com/faqbot/faqbot/handoff"
)

// MessagesAfter implements bot.Store. Messages are found through the log of every message's
// place, kept in id order as they are written; nothing here commits out of order.
func (s *Store) MessagesAfter(ctx context.Context, afterID int64, limit int) ([]bot.Message, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := bot.CheckFeed(afterID, limit); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	from, _ := slices.BinarySearchFunc(s.log, afterID+1, func(p place, id int64) int { return cmp.Compare(p.id, id) })
	out := []bot.Message{}
	for _, p := range s.log[from:] {
		if len(out) == limit {
			break
		}
		out = append(out, copyMessage(s.convs[p.conv].messages[p.index]))
	}
	return out, nil
}

// FeedHeads implements bot.Store. The ticket store keeps no "newest event", so its feed is
// read to the end: the demo's few events, not a database's.
func (s *Store) FeedHeads(ctx context.Context) (bot.FeedHeads, error) {
	if err := ctx.Err(); err != nil {
		return bot.FeedHeads{}, err
	}
	s.mu.RLock()
	heads := bot.FeedHeads{Message: s.nextID}
	s.mu.RUnlock()
	for {
		events, err := s.tickets.EventsAfter(ctx, heads.TicketEvent, handoff.MaxEventsLimit)
		if err != nil {
			return bot.FeedHeads{}, fmt.Errorf("newest ticket event: %w", err)
		}
		if len(events) == 0 {
			return heads, nil
		}
		heads.TicketEvent = events[len(events)-1].ID
	}
}

// place is where a message is kept: its conversation and its index there.
type place struct {
	id    int64
	conv  string
	index int
}
