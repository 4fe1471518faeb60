package memory

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/faqbot/faqbot/handoff"
)

// Resolve implements handoff.Store.
func (s *Store) Resolve(ctx context.Context, number, actor string) (handoff.Ticket, error) {
	if err := ctx.Err(); err != nil {
		return handoff.Ticket{}, err
	}
	if err := handoff.CheckActor(actor); err != nil {
		return handoff.Ticket{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	r, err := s.lookupOpen(number, "resolve")
	if err != nil {
		return handoff.Ticket{}, err
	}
	t := &r.ticket
	from := t.Status
	now := now()
	// A resolved ticket holds no lease: nobody's silence can send it back to a queue.
	t.Status, t.ResolvedAt, t.UpdatedAt, t.LeaseUntil = handoff.StatusResolved, now, now, time.Time{}
	delete(s.open, t.ConversationID)
	s.add(r, s.eventBy(actor, t.ID, now, handoff.EventResolved, map[string]string{"from": string(from)}))
	return copyTicket(*t), nil
}

// Rate implements handoff.Store. The store's lock makes the check and the write one step,
// as the row lock does in PostgreSQL.
func (s *Store) Rate(ctx context.Context, number, ownerID string, score int, comment string) (handoff.Rating, error) {
	if err := ctx.Err(); err != nil {
		return handoff.Rating{}, err
	}
	rating := handoff.Rating{TicketNumber: number, Score: score, Comment: comment}
	if err := rating.Validate(); err != nil {
		return handoff.Rating{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.lookup(number)
	if !ok || r.ticket.OwnerID != ownerID {
		return handoff.Rating{}, notFound(number)
	}
	t := &r.ticket
	switch {
	case r.rating != nil:
		return handoff.Rating{}, fmt.Errorf("rate ticket %s: %w", number, handoff.ErrAlreadyRated)
	case t.Status == handoff.StatusClosed:
		return handoff.Rating{}, fmt.Errorf("rate ticket %s: it is closed: %w", number, handoff.ErrConflict)
	case t.Status != handoff.StatusResolved:
		return handoff.Rating{}, fmt.Errorf("rate ticket %s, which is %s: %w", number, t.Status, handoff.ErrNotResolved)
	}
	now := now()
	rating.CreatedAt = now
	r.rating = &rating
	t.Status, t.UpdatedAt, t.ClosedAt = handoff.StatusClosed, now, now
	s.add(r, s.eventBy(handoff.ActorUser, t.ID, now, handoff.EventRated,
		map[string]string{"score": strconv.Itoa(score)}))
	return rating, nil
}

// Rating implements handoff.Store.
func (s *Store) Rating(ctx context.Context, number string) (handoff.Rating, error) {
	if err := ctx.Err(); err != nil {
		return handoff.Rating{}, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	r, ok := s.lookup(number)
	if !ok {
		return handoff.Rating{}, notFound(number)
	}
	if r.rating == nil {
		return handoff.Rating{}, fmt.Errorf("rating of ticket %s: %w", number, handoff.ErrNotFound)
	}
	return *r.rating, nil
}
