package memory

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strconv"
	"time"

	"github.com/faqbot/faqbot/handoff"
)

// The agents' workflow. The store's one lock makes each call's check and change a single
// step, as the row locks do in PostgreSQL; scans are fine at the sizes a memory store holds.

// List implements handoff.Store.
func (s *Store) List(ctx context.Context, q handoff.ListQuery) ([]handoff.Ticket, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := q.Validate(); err != nil {
		return nil, err
	}
	statuses := q.Statuses
	if len(statuses) == 0 {
		statuses = []handoff.Status{handoff.StatusQueued, handoff.StatusAssigned}
	}
	var cursor *handoff.Ticket
	if q.After != nil {
		cursor = &handoff.Ticket{Priority: q.After.Priority, DueAt: clock(q.After.DueAt), ID: q.After.ID}
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []*handoff.Ticket
	for _, r := range s.tickets {
		t := &r.ticket
		if slices.Contains(statuses, t.Status) && inQueues(t.Queue, q.Queues) && (cursor == nil || before(cursor, t)) {
			out = append(out, t)
		}
	}
	slices.SortFunc(out, order)
	out = out[:min(len(out), q.Limit)]
	list := make([]handoff.Ticket, len(out))
	for i, t := range out {
		list[i] = copyTicket(*t)
	}
	return list, nil
}

// Claim implements handoff.Store.
func (s *Store) Claim(ctx context.Context, q handoff.ClaimRequest) (handoff.Ticket, error) {
	if err := ctx.Err(); err != nil {
		return handoff.Ticket{}, err
	}
	if err := q.Validate(); err != nil {
		return handoff.Ticket{}, err
	}
	now := clock(q.Now)
	s.mu.Lock()
	defer s.mu.Unlock()
	var next *record
	for _, r := range s.tickets {
		t := &r.ticket
		if t.Status == handoff.StatusQueued && inQueues(t.Queue, q.Queues) && (next == nil || before(t, &next.ticket)) {
			next = r
		}
	}
	if next == nil {
		return handoff.Ticket{}, fmt.Errorf("claim for %s: %w", q.Agent, handoff.ErrNoneWaiting)
	}
	t := &next.ticket
	t.Status, t.AssignedTo, t.LeaseUntil, t.UpdatedAt = handoff.StatusAssigned, q.Agent, clock(now.Add(q.LeaseOrDefault())), now
	s.add(next, s.eventBy(q.Agent, t.ID, now, handoff.EventClaimed, map[string]string{
		"agent": q.Agent, "lease_until": handoff.DetailTime(t.LeaseUntil),
	}))
	return copyTicket(*t), nil
}

// Respond implements handoff.Store.
func (s *Store) Respond(ctx context.Context, number, agent string, now, leaseUntil time.Time) (handoff.Ticket, error) {
	if err := ctx.Err(); err != nil {
		return handoff.Ticket{}, err
	}
	if err := handoff.CheckRespond(agent, now, leaseUntil); err != nil {
		return handoff.Ticket{}, err
	}
	now = clock(now)
	s.mu.Lock()
	defer s.mu.Unlock()
	r, err := s.lookupOpen(number, "reply to")
	if err != nil {
		return handoff.Ticket{}, err
	}
	t := &r.ticket
	if t.Status == handoff.StatusAssigned && t.AssignedTo != agent {
		return handoff.Ticket{}, fmt.Errorf("reply to ticket %s as %s: %w", number, agent, handoff.ErrAssignedElsewhere)
	}
	first := t.FirstResponseAt.IsZero()
	if first {
		t.FirstResponseAt = now
	}
	t.Status, t.AssignedTo, t.LeaseUntil, t.UpdatedAt = handoff.StatusAssigned, agent, clock(leaseUntil), now
	s.add(r, s.eventBy(agent, t.ID, now, handoff.EventReplied, map[string]string{
		"agent": agent, "first": strconv.FormatBool(first),
	}))
	return copyTicket(*t), nil
}

// Transfer implements handoff.Store.
func (s *Store) Transfer(ctx context.Context, number, actor, queue string, now time.Time) (handoff.Ticket, error) {
	if err := ctx.Err(); err != nil {
		return handoff.Ticket{}, err
	}
	if err := handoff.CheckTransfer(actor, queue, now); err != nil {
		return handoff.Ticket{}, err
	}
	now = clock(now)
	s.mu.Lock()
	defer s.mu.Unlock()
	r, err := s.lookupOpen(number, "transfer")
	if err != nil {
		return handoff.Ticket{}, err
	}
	t := &r.ticket
	if t.Queue == queue {
		return handoff.Ticket{}, fmt.Errorf("transfer: queue: ticket %s is in %s already: %w", number, queue, handoff.ErrInvalid)
	}
	from := t.Queue
	t.Queue, t.Status, t.AssignedTo, t.LeaseUntil, t.UpdatedAt = queue, handoff.StatusQueued, "", time.Time{}, now
	s.add(r, s.eventBy(actor, t.ID, now, handoff.EventTransferred, map[string]string{"from": from, "to": queue}))
	return copyTicket(*t), nil
}

// ReleaseLapsed implements handoff.Store.
func (s *Store) ReleaseLapsed(ctx context.Context, now time.Time) ([]handoff.Ticket, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if now.IsZero() {
		return nil, fmt.Errorf("release: now is not set: %w", handoff.ErrInvalid)
	}
	now = clock(now)
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.each(func(t *handoff.Ticket) bool {
		return t.Status == handoff.StatusAssigned && !t.LeaseUntil.IsZero() && t.LeaseUntil.Before(now)
	}, func(r *record) {
		t := &r.ticket
		agent := t.AssignedTo
		t.Status, t.AssignedTo, t.LeaseUntil, t.UpdatedAt = handoff.StatusQueued, "", time.Time{}, now
		s.add(r, s.event(t.ID, now, handoff.EventReleased, map[string]string{"agent": agent}))
	}), nil
}

// SweepBreached implements handoff.Store.
func (s *Store) SweepBreached(ctx context.Context, now time.Time, sla map[handoff.Priority]time.Duration) ([]handoff.Ticket, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := handoff.CheckSweep(now, sla); err != nil {
		return nil, err
	}
	now = clock(now)
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.each(func(t *handoff.Ticket) bool {
		return isOpen(t.Status) && t.FirstResponseAt.IsZero() && t.DueAt.Before(now) &&
			(t.BreachedAt.IsZero() || t.BreachedAt.Before(t.DueAt))
	}, func(r *record) {
		t := &r.ticket
		from := t.Priority
		t.Priority = max(from-1, handoff.P1)
		t.DueAt, t.BreachedAt, t.UpdatedAt = clock(now.Add(sla[t.Priority])), now, now
		s.add(r, s.event(t.ID, now, handoff.EventBreached, map[string]string{
			"from": from.String(), "to": t.Priority.String(), "due_at": handoff.DetailTime(t.DueAt),
		}))
	}), nil
}

// CloseUnrated implements handoff.Store.
func (s *Store) CloseUnrated(ctx context.Context, before time.Time) ([]handoff.Ticket, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if before.IsZero() {
		return nil, fmt.Errorf("close unrated: before is not set: %w", handoff.ErrInvalid)
	}
	before = clock(before)
	now := now()
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.each(func(t *handoff.Ticket) bool {
		return t.Status == handoff.StatusResolved && t.ResolvedAt.Before(before) && s.tickets[t.ID].rating == nil
	}, func(r *record) {
		t := &r.ticket
		t.Status, t.ClosedAt, t.UpdatedAt = handoff.StatusClosed, now, now
		s.add(r, s.event(t.ID, now, handoff.EventClosed, map[string]string{"reason": "unrated"}))
	}), nil
}

// EventsAfter implements handoff.Store. The feed is in ID order, so the first event after
// afterID is found by bisection.
func (s *Store) EventsAfter(ctx context.Context, afterID int64, limit int) ([]handoff.Event, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := handoff.CheckEventsAfter(afterID, limit); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	i := sort.Search(len(s.feed), func(i int) bool { return s.feed[i].ID > afterID })
	page := s.feed[i:min(len(s.feed), i+limit)]
	out := make([]handoff.Event, len(page))
	for j, e := range page {
		t := &s.tickets[e.TicketID].ticket
		e.Number, e.Detail = t.Number, maps.Clone(e.Detail)
		out[j] = e
	}
	return out, nil
}

// each applies change to the tickets match selects, in id order, and returns copies of them
// as changed. The caller holds the write lock.
func (s *Store) each(match func(*handoff.Ticket) bool, change func(*record)) []handoff.Ticket {
	var hit []*record
	for _, r := range s.tickets {
		if match(&r.ticket) {
			hit = append(hit, r)
		}
	}
	slices.SortFunc(hit, func(a, b *record) int { return cmp.Compare(a.ticket.ID, b.ticket.ID) })
	out := make([]handoff.Ticket, len(hit))
	for i, r := range hit {
		change(r)
		out[i] = copyTicket(r.ticket)
	}
	return out
}

// order is List order as a comparison: priority, then due time, then id.
func order(a, b *handoff.Ticket) int {
	switch {
	case before(a, b):
		return -1
	case before(b, a):
		return 1
	}
	return 0
}

// inQueues reports whether queue is one of queues; no queues means every queue.
func inQueues(queue string, queues []string) bool {
	return len(queues) == 0 || slices.Contains(queues, queue)
}
