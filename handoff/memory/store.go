// Package memory is an in-memory handoff.Store: the store of the demo mode (no database) and of
// tests. It passes the same contract suite (handoff/storetest) as the PostgreSQL store.
package memory

import (
	"context"
	"fmt"
	"maps"
	"strings"
	"sync"
	"time"

	"github.com/faqbot/faqbot/handoff"
)

var _ handoff.Store = (*Store)(nil)

// Store keeps tickets and their events in memory. It is safe for concurrent use; it copies
// everything it is given and everything it returns.
type Store struct {
	mu       sync.RWMutex
	nextID   int64
	eventID  int64
	tickets  map[int64]*record
	byNumber map[string]int64
	open     map[string]int64 // conversation id -> its queued or assigned ticket
	// feed is every ticket's events in ID order, for EventsAfter; the entries share their
	// Detail maps with the records', which nobody changes once written.
	feed []handoff.Event
}

type record struct {
	ticket handoff.Ticket
	events []handoff.Event
	rating *handoff.Rating // the owner's, once rated
}

// New returns an empty store.
func New() *Store {
	return &Store{
		tickets:  make(map[int64]*record),
		byNumber: make(map[string]int64),
		open:     make(map[string]int64),
	}
}

// InsertTicket implements handoff.Store. The bot's memory store calls it while it holds its
// own lock, after every other check of the turn has passed, which is what makes the turn
// all-or-nothing there.
func (s *Store) InsertTicket(ctx context.Context, t *handoff.Ticket) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	normalize(t)
	if err := t.Validate(); err != nil {
		return err
	}
	t.ConversationID = strings.ToLower(t.ConversationID)
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, dup := s.byNumber[t.Number]; dup {
		return fmt.Errorf("ticket number %s is already used: %w", t.Number, handoff.ErrConflict)
	}
	if isOpen(t.Status) {
		if id, ok := s.open[t.ConversationID]; ok {
			return fmt.Errorf("conversation %s already has the open ticket %s: %w",
				t.ConversationID, s.tickets[id].ticket.Number, handoff.ErrConflict)
		}
	}
	s.nextID++
	t.ID = s.nextID
	r := &record{ticket: copyTicket(*t)}
	s.add(r, s.event(t.ID, t.CreatedAt, handoff.EventCreated, createdDetail(*t)))
	s.tickets[t.ID] = r
	s.byNumber[t.Number] = t.ID
	if isOpen(t.Status) {
		s.open[t.ConversationID] = t.ID
	}
	return nil
}

// Ticket implements handoff.Store.
func (s *Store) Ticket(ctx context.Context, number string) (handoff.Ticket, error) {
	if err := ctx.Err(); err != nil {
		return handoff.Ticket{}, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	r, ok := s.lookup(number)
	if !ok {
		return handoff.Ticket{}, notFound(number)
	}
	return copyTicket(r.ticket), nil
}

// OpenTicketFor implements handoff.Store.
func (s *Store) OpenTicketFor(ctx context.Context, conversationID string) (handoff.Ticket, error) {
	if err := ctx.Err(); err != nil {
		return handoff.Ticket{}, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	id, ok := s.open[strings.ToLower(conversationID)]
	if !ok {
		return handoff.Ticket{}, fmt.Errorf("open ticket of conversation %q: %w", conversationID, handoff.ErrNotFound)
	}
	return copyTicket(s.tickets[id].ticket), nil
}

// ResolvedTicketFor implements handoff.Store.
func (s *Store) ResolvedTicketFor(ctx context.Context, conversationID string) (handoff.Ticket, error) {
	if err := ctx.Err(); err != nil {
		return handoff.Ticket{}, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	var latest *handoff.Ticket
	for _, r := range s.tickets {
		t := &r.ticket
		if strings.EqualFold(t.ConversationID, conversationID) && t.Status == handoff.StatusResolved && (latest == nil || t.ID > latest.ID) {
			latest = t
		}
	}
	if latest == nil {
		return handoff.Ticket{}, fmt.Errorf("resolved ticket of conversation %q: %w", conversationID, handoff.ErrNotFound)
	}
	return copyTicket(*latest), nil
}

// Ahead implements handoff.Store. A scan is fine at the sizes a memory store holds; the
// PostgreSQL store answers from its queue index.
func (s *Store) Ahead(ctx context.Context, t handoff.Ticket) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	n := 0
	for _, r := range s.tickets {
		o := &r.ticket
		if o.Status == handoff.StatusQueued && o.Queue == t.Queue && before(o, &t) {
			n++
		}
	}
	return n, nil
}

// before reports whether a is picked before b: priority, then due time, then id.
func before(a, b *handoff.Ticket) bool {
	if a.Priority != b.Priority {
		return a.Priority < b.Priority
	}
	if !a.DueAt.Equal(b.DueAt) {
		return a.DueAt.Before(b.DueAt)
	}
	return a.ID < b.ID
}

// Escalate implements handoff.Store.
func (s *Store) Escalate(ctx context.Context, number string, dueAt time.Time, reason string) (handoff.Ticket, error) {
	if err := ctx.Err(); err != nil {
		return handoff.Ticket{}, err
	}
	if err := checkEscalation(dueAt, reason); err != nil {
		return handoff.Ticket{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.lookup(number)
	if !ok {
		return handoff.Ticket{}, notFound(number)
	}
	t := &r.ticket
	if t.Status != handoff.StatusQueued {
		return handoff.Ticket{}, notQueued(number, t.Status)
	}
	from := t.Priority
	t.Priority = max(from-1, handoff.P1)
	if due := clock(dueAt); due.Before(t.DueAt) {
		t.DueAt = due
	}
	now := now()
	t.UpdatedAt = now
	s.add(r, s.event(t.ID, now, handoff.EventEscalated, map[string]string{
		"from": from.String(), "to": t.Priority.String(), "reason": reason,
	}))
	return copyTicket(*t), nil
}

// Events implements handoff.Store.
func (s *Store) Events(ctx context.Context, number string) ([]handoff.Event, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	r, ok := s.lookup(number)
	if !ok {
		return nil, notFound(number)
	}
	out := make([]handoff.Event, len(r.events))
	for i, e := range r.events {
		e.Detail = maps.Clone(e.Detail)
		out[i] = e
	}
	return out, nil
}

func (s *Store) lookup(number string) (*record, bool) {
	id, ok := s.byNumber[number]
	if !ok {
		return nil, false
	}
	return s.tickets[id], true
}

// lookupOpen is lookup for a change only an open ticket takes; action names the change in
// the error ("resolve", "reply to", ...). The caller holds s.mu.
func (s *Store) lookupOpen(number, action string) (*record, error) {
	r, ok := s.lookup(number)
	if !ok {
		return nil, notFound(number)
	}
	if !isOpen(r.ticket.Status) {
		return nil, fmt.Errorf("%s ticket %s, which is %s: %w", action, number, r.ticket.Status, handoff.ErrAlreadyResolved)
	}
	return r, nil
}

// add appends e to the ticket's history and to the store's feed. The caller has applied the
// change: e records the queue the ticket is in after it, as the PostgreSQL trigger does.
func (s *Store) add(r *record, e handoff.Event) {
	r.events = append(r.events, e)
	e.Queue = r.ticket.Queue
	s.feed = append(s.feed, e)
}

// event numbers events across tickets, as the PostgreSQL identity column does.
func (s *Store) event(ticketID int64, at time.Time, kind handoff.EventKind, detail map[string]string) handoff.Event {
	return s.eventBy(handoff.ActorBot, ticketID, at, kind, detail)
}

func (s *Store) eventBy(actor string, ticketID int64, at time.Time, kind handoff.EventKind, detail map[string]string) handoff.Event {
	s.eventID++
	return handoff.Event{ID: s.eventID, TicketID: ticketID, At: at, Actor: actor, Kind: kind, Detail: detail}
}

func createdDetail(t handoff.Ticket) map[string]string {
	return map[string]string{
		"trigger": string(t.Trigger), "priority": t.Priority.String(), "queue": t.Queue, "reason": t.Reason,
	}
}

func checkEscalation(dueAt time.Time, reason string) error {
	switch {
	case dueAt.IsZero():
		return fmt.Errorf("escalate: due_at is not set: %w", handoff.ErrInvalid)
	case strings.TrimSpace(reason) == "":
		return fmt.Errorf("escalate: reason is empty: %w", handoff.ErrInvalid)
	}
	return nil
}

// normalize gives the ticket's times the precision and zone PostgreSQL gives them back with,
// and fills the times a caller may leave out.
func normalize(t *handoff.Ticket) {
	if t.CreatedAt.IsZero() {
		t.CreatedAt = now()
	}
	if t.UpdatedAt.IsZero() {
		t.UpdatedAt = t.CreatedAt
	}
	t.CreatedAt, t.UpdatedAt, t.DueAt = clock(t.CreatedAt), clock(t.UpdatedAt), clock(t.DueAt)
	for _, at := range []*time.Time{&t.ResolvedAt, &t.LeaseUntil, &t.FirstResponseAt, &t.BreachedAt, &t.ClosedAt} {
		if !at.IsZero() {
			*at = clock(*at)
		}
	}
}

// now is the stores' clock: UTC, in the microseconds PostgreSQL keeps.
func now() time.Time { return clock(time.Now()) }

func clock(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

func isOpen(s handoff.Status) bool { return s == handoff.StatusQueued || s == handoff.StatusAssigned }

// copyTicket shares no slice with t; empty lists come back empty, never nil, and trail times
// in UTC, as a database returns them.
func copyTicket(t handoff.Ticket) handoff.Ticket {
	trail := make([]handoff.SentimentPoint, len(t.SentimentTrail))
	for i, p := range t.SentimentTrail {
		p.At = p.At.UTC()
		trail[i] = p
	}
	t.SentimentTrail = trail
	t.Candidates = append([]handoff.Candidate{}, t.Candidates...)
	return t
}

func notFound(number string) error {
	return fmt.Errorf("ticket %q: %w", number, handoff.ErrNotFound)
}

func notQueued(number string, st handoff.Status) error {
	return fmt.Errorf("ticket %s is %s, only a queued ticket can be escalated: %w", number, st, handoff.ErrConflict)
}
