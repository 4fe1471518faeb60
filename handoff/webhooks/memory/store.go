// Package memory is an in-memory webhooks.Store: the store of the demo mode (no database) and
// of tests. It passes the same contract suite (handoff/webhooks/storetest) as the PostgreSQL
// store.
package memory

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/faqbot/faqbot/handoff/webhooks"
)

var _ webhooks.Store = (*Store)(nil)

// Store keeps webhooks and deliveries in memory. It is safe for concurrent use; it copies what
// it is given and what it returns.
type Store struct {
	mu         sync.Mutex
	webhooks   map[int64]*webhooks.Webhook
	deliveries map[int64]*webhooks.Delivery
	byPair     map[[2]int64]int64 // (webhook, event) -> delivery
	lastHook   int64
	lastDeliv  int64
	cursor     int64
}

// New returns an empty store.
func New() *Store {
	return &Store{
		webhooks:   map[int64]*webhooks.Webhook{},
		deliveries: map[int64]*webhooks.Delivery{},
		byPair:     map[[2]int64]int64{},
	}
}

// clock keeps what PostgreSQL keeps of a time: UTC, microseconds.
func clock(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

func copyHook(w webhooks.Webhook) webhooks.Webhook {
	w.Events = slices.Clone(w.Events)
	if w.Events == nil {
		w.Events = []string{}
	}
	return w
}

func copyDelivery(d webhooks.Delivery) webhooks.Delivery {
	d.Payload = slices.Clone(d.Payload)
	return d
}

func (s *Store) CreateWebhook(ctx context.Context, w *webhooks.Webhook) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := w.Validate(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lastHook++
	w.ID, w.Active, w.CreatedAt, w.RemovedAt = s.lastHook, true, clock(w.CreatedAt), time.Time{}
	c := copyHook(*w)
	s.webhooks[w.ID] = &c
	*w = copyHook(c)
	return nil
}

func (s *Store) Webhook(ctx context.Context, id int64) (webhooks.Webhook, error) {
	if err := ctx.Err(); err != nil {
		return webhooks.Webhook{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	w, ok := s.webhooks[id]
	if !ok {
		return webhooks.Webhook{}, notFound(id)
	}
	return copyHook(*w), nil
}

func notFound(id int64) error { return fmt.Errorf("webhook %d: %w", id, webhooks.ErrNotFound) }

func (s *Store) ListWebhooks(ctx context.Context, afterID int64, limit int) ([]webhooks.Webhook, bool, error) {
	if err := ctx.Err(); err != nil {
		return nil, false, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []webhooks.Webhook{}
	for _, w := range s.webhooks {
		if w.Active && w.ID > afterID {
			out = append(out, copyHook(*w))
		}
	}
	slices.SortFunc(out, func(a, b webhooks.Webhook) int { return cmp.Compare(a.ID, b.ID) })
	if len(out) > limit {
		return out[:limit], true, nil
	}
	return out, false, nil
}

func (s *Store) RemoveWebhook(ctx context.Context, id int64, at time.Time) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	w, ok := s.webhooks[id]
	if !ok {
		return notFound(id)
	}
	if !w.Active {
		return nil
	}
	at = clock(at)
	w.Active, w.RemovedAt = false, at
	for _, d := range s.deliveries {
		if d.WebhookID == id && d.Status == webhooks.StatusPending {
			d.Status, d.LastError, d.UpdatedAt = webhooks.StatusDead, webhooks.RemovedError, at
		}
	}
	return nil
}

func (s *Store) Cursor(ctx context.Context) (int64, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cursor, nil
}

func (s *Store) Fanout(ctx context.Context, events []webhooks.Event, cursor int64, now, deadline time.Time) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	now, deadline = clock(now), clock(deadline)
	s.mu.Lock()
	defer s.mu.Unlock()
	hooks := s.activeHooks()
	n := 0
	for _, e := range events {
		for _, w := range hooks {
			key := [2]int64{w.ID, e.ID}
			if _, dup := s.byPair[key]; dup || !w.Wants(e.Type) {
				continue
			}
			s.lastDeliv++
			s.deliveries[s.lastDeliv] = &webhooks.Delivery{
				ID: s.lastDeliv, WebhookID: w.ID, EventID: e.ID, EventType: e.Type,
				Payload: slices.Clone(e.Payload), Status: webhooks.StatusPending,
				NextAt: now, Deadline: deadline, CreatedAt: now, UpdatedAt: now,
			}
			s.byPair[key] = s.lastDeliv
			n++
		}
	}
	s.cursor = max(s.cursor, cursor)
	return n, nil
}

func (s *Store) activeHooks() []*webhooks.Webhook {
	var out []*webhooks.Webhook
	for _, w := range s.webhooks {
		if w.Active {
			out = append(out, w)
		}
	}
	slices.SortFunc(out, func(a, b *webhooks.Webhook) int { return cmp.Compare(a.ID, b.ID) })
	return out
}

func (s *Store) Claim(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]webhooks.Claim, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	now = clock(now)
	s.mu.Lock()
	defer s.mu.Unlock()
	var due []*webhooks.Delivery
	for _, d := range s.deliveries {
		if d.Status == webhooks.StatusPending && !d.NextAt.After(now) && s.webhooks[d.WebhookID].Active {
			due = append(due, d)
		}
	}
	slices.SortFunc(due, func(a, b *webhooks.Delivery) int {
		return cmp.Or(a.NextAt.Compare(b.NextAt), cmp.Compare(a.ID, b.ID))
	})
	out := []webhooks.Claim{}
	for _, d := range due[:min(limit, len(due))] {
		d.Attempts++
		d.NextAt = clock(now.Add(lease))
		w := s.webhooks[d.WebhookID]
		out = append(out, webhooks.Claim{Delivery: copyDelivery(*d), URL: w.URL, Secret: w.Secret})
	}
	return out, nil
}

func (s *Store) Finish(ctx context.Context, o webhooks.Outcome) (webhooks.Delivery, error) {
	if err := ctx.Err(); err != nil {
		return webhooks.Delivery{}, err
	}
	if err := webhooks.CheckOutcome(o); err != nil {
		return webhooks.Delivery{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	d, ok := s.deliveries[o.ID]
	if !ok {
		return webhooks.Delivery{}, fmt.Errorf("delivery %d: %w", o.ID, webhooks.ErrNotFound)
	}
	if d.Status != webhooks.StatusPending || d.Attempts != o.Attempt || !d.NextAt.Equal(clock(o.LeaseUntil)) {
		return webhooks.Delivery{}, webhooks.LostClaim(o.ID)
	}
	d.Status, d.LastStatusCode, d.LastError = o.Status, o.StatusCode, webhooks.TrimError(o.Error)
	d.UpdatedAt = clock(o.At)
	if o.Status == webhooks.StatusPending {
		d.NextAt = clock(o.NextAt)
	}
	return copyDelivery(*d), nil
}

func (s *Store) Deliveries(ctx context.Context, q webhooks.DeliveryQuery) ([]webhooks.Delivery, bool, error) {
	if err := ctx.Err(); err != nil {
		return nil, false, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.webhooks[q.WebhookID]; !ok {
		return nil, false, notFound(q.WebhookID)
	}
	out := []webhooks.Delivery{}
	for _, d := range s.deliveries {
		if d.WebhookID == q.WebhookID && d.ID > q.AfterID && (q.Status == "" || d.Status == q.Status) {
			out = append(out, copyDelivery(*d))
		}
	}
	slices.SortFunc(out, func(a, b webhooks.Delivery) int { return cmp.Compare(a.ID, b.ID) })
	if len(out) > q.Limit {
		return out[:q.Limit], true, nil
	}
	return out, false, nil
}

func (s *Store) Retry(ctx context.Context, webhookID, deliveryID int64, now, deadline time.Time) (webhooks.Delivery, error) {
	if err := ctx.Err(); err != nil {
		return webhooks.Delivery{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	w, ok := s.webhooks[webhookID]
	if !ok {
		return webhooks.Delivery{}, notFound(webhookID)
	}
	d, ok := s.deliveries[deliveryID]
	if !ok || d.WebhookID != webhookID {
		return webhooks.Delivery{}, webhooks.NoDelivery(webhookID, deliveryID)
	}
	if !w.Active {
		return webhooks.Delivery{}, webhooks.Removed(webhookID)
	}
	if d.Status != webhooks.StatusDead {
		return webhooks.Delivery{}, webhooks.NotDead(deliveryID, d.Status)
	}
	now = clock(now)
	d.Status, d.NextAt, d.Deadline, d.UpdatedAt = webhooks.StatusPending, now, clock(deadline), now
	return copyDelivery(*d), nil
}

func (s *Store) Prune(ctx context.Context, before time.Time) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for id, d := range s.deliveries {
		if d.Status == webhooks.StatusDelivered && d.UpdatedAt.Before(before) {
			delete(s.deliveries, id)
			delete(s.byPair, [2]int64{d.WebhookID, d.EventID})
			n++
		}
	}
	return n, nil
}
