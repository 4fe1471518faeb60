// Package storetest is the contract every webhooks.Store passes: the memory store and the
// PostgreSQL store run the same suite, so the worker and the API cannot tell them apart.
package storetest

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/faqbot/faqbot/handoff/webhooks"
)

// Run runs the suite; newStore returns an empty store for each subtest (the cursor and the
// claims are global to a store).
func Run(t *testing.T, newStore func(t *testing.T) webhooks.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s webhooks.Store)
	}{
		{"CreateAndRead", testCreate},
		{"RejectsInvalidWebhooks", testInvalid},
		{"ListPagesActiveOnly", testList},
		{"RemoveEndsPendingDeliveries", testRemove},
		{"FanoutFollowsFiltersOnce", testFanout},
		{"CursorNeverGoesBack", testCursor},
		{"ClaimDueOldestFirstAsLease", testClaim},
		{"FinishDeliveredRetryDead", testFinish},
		{"FinishAfterTheLeaseConflicts", testLostClaim},
		{"FinishRejectsBadOutcome", testBadOutcome},
		{"DeliveriesByStatusInPages", testDeliveries},
		{"RetryDeadOnly", testRetry},
		{"PruneDeliveredOnly", testPrune},
		{"ConcurrentClaimsTakeEachOnce", testConcurrentClaims},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.fn(t, newStore(t))
		})
	}
}

func ctxFor(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// base is a fixed instant with sub-microsecond noise the stores must drop.
var base = time.Date(2025, 3, 14, 9, 26, 53, 589793238, time.UTC)

const window = 24 * time.Hour

func create(t *testing.T, s webhooks.Store, url string, events ...string) webhooks.Webhook {
	t.Helper()
	w := webhooks.Webhook{URL: url, Secret: "0123456789abcdef-secret", Events: events, CreatedAt: base}
	require.NoError(t, s.CreateWebhook(ctxFor(t), &w))
	require.NotZero(t, w.ID)
	return w
}

func event(id int64, typ string) webhooks.Event {
	return webhooks.Event{ID: id, Type: typ, Payload: fmt.Appendf(nil, `{"id":%d,"type":%q}`, id, typ)}
}

func fanout(t *testing.T, s webhooks.Store, now time.Time, events ...webhooks.Event) int {
	t.Helper()
	n, err := s.Fanout(ctxFor(t), events, events[len(events)-1].ID, now, now.Add(window))
	require.NoError(t, err)
	return n
}

func claimAll(t *testing.T, s webhooks.Store, now time.Time) []webhooks.Claim {
	t.Helper()
	cs, err := s.Claim(ctxFor(t), now, time.Minute, 100)
	require.NoError(t, err)
	return cs
}

func testCreate(t *testing.T, s webhooks.Store) {
	ctx := ctxFor(t)
	a := create(t, s, "https://hooks.example.com/faqbot?x=1", "ticket.created", "ticket.resolved")
	b := create(t, s, "http://receiver.example.org:8080/in")
	assert.Greater(t, b.ID, a.ID)
	assert.True(t, a.Active)

	got, err := s.Webhook(ctx, a.ID)
	require.NoError(t, err)
	assert.Equal(t, "https://hooks.example.com/faqbot?x=1", got.URL)
	assert.Equal(t, "0123456789abcdef-secret", got.Secret)
	assert.Equal(t, []string{"ticket.created", "ticket.resolved"}, got.Events)
	assert.True(t, got.Active)
	assert.True(t, base.Truncate(time.Microsecond).Equal(got.CreatedAt), "created_at %v", got.CreatedAt)
	assert.Equal(t, time.UTC, got.CreatedAt.Location())
	assert.True(t, got.RemovedAt.IsZero())

	got, err = s.Webhook(ctx, b.ID)
	require.NoError(t, err)
	assert.Equal(t, []string{}, got.Events, "no filter comes back as an empty list")

	_, err = s.Webhook(ctx, b.ID+100)
	assert.ErrorIs(t, err, webhooks.ErrNotFound)
}

func testInvalid(t *testing.T, s webhooks.Store) {
	ok := webhooks.Webhook{URL: "https://example.com/h", Secret: "0123456789abcdef", CreatedAt: base}
	tests := []struct {
		name, field string
		edit        func(w *webhooks.Webhook)
	}{
		{"empty url", "url", func(w *webhooks.Webhook) { w.URL = "" }},
		{"relative url", "url", func(w *webhooks.Webhook) { w.URL = "/hooks" }},
		{"ftp url", "url", func(w *webhooks.Webhook) { w.URL = "ftp://example.com/h" }},
		{"userinfo", "url", func(w *webhooks.Webhook) { w.URL = "https://user:pw@example.com/h" }},
		{"short secret", "secret", func(w *webhooks.Webhook) { w.Secret = "short" }},
		{"secret with NUL", "secret", func(w *webhooks.Webhook) { w.Secret = "0123456789abcdef\x00" }},
		{"unknown event", "events[1]", func(w *webhooks.Webhook) { w.Events = []string{"ticket.created", "ticket.exploded"} }},
		{"event twice", "events[1]", func(w *webhooks.Webhook) { w.Events = []string{"ticket.rated", "ticket.rated"} }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := ok
			tt.edit(&w)
			err := s.CreateWebhook(ctxFor(t), &w)
			require.ErrorIs(t, err, webhooks.ErrInvalid)
			var fe *webhooks.FieldError
			require.ErrorAs(t, err, &fe)
			assert.Equal(t, tt.field, fe.Field)
		})
	}
	list, _, err := s.ListWebhooks(ctxFor(t), 0, 10)
	require.NoError(t, err)
	assert.Empty(t, list, "nothing invalid was stored")
}

func testList(t *testing.T, s webhooks.Store) {
	ctx := ctxFor(t)
	var ids []int64
	for i := range 5 {
		ids = append(ids, create(t, s, fmt.Sprintf("https://h%d.example.com/", i)).ID)
	}
	require.NoError(t, s.RemoveWebhook(ctx, ids[2], base))
	var got []int64
	after := int64(0)
	for pages := 0; ; pages++ {
		require.Less(t, pages, 5, "paging does not end")
		page, more, err := s.ListWebhooks(ctx, after, 2)
		require.NoError(t, err)
		for _, w := range page {
			assert.Empty(t, w.RemovedAt)
			got = append(got, w.ID)
			after = w.ID
		}
		if !more {
			break
		}
	}
	assert.Equal(t, []int64{ids[0], ids[1], ids[3], ids[4]}, got)
}

func testRemove(t *testing.T, s webhooks.Store) {
	ctx := ctxFor(t)
	w := create(t, s, "https://a.example.com/")
	other := create(t, s, "https://b.example.com/")
	require.Equal(t, 4, fanout(t, s, base, event(1, "ticket.created"), event(2, "ticket.claimed")))
	cs := claimAll(t, s, base)
	require.Len(t, cs, 4)
	// One of w's deliveries is delivered before the removal; it stays delivered.
	var firstOfW webhooks.Claim
	for _, c := range cs {
		if c.WebhookID == w.ID && c.EventID == 1 {
			firstOfW = c
		}
	}
	_, err := s.Finish(ctx, webhooks.Outcome{ID: firstOfW.ID, Attempt: 1, LeaseUntil: firstOfW.NextAt, At: base, Status: webhooks.StatusDelivered, StatusCode: 204})
	require.NoError(t, err)

	removedAt := base.Add(time.Minute)
	require.NoError(t, s.RemoveWebhook(ctx, w.ID, removedAt))
	require.NoError(t, s.RemoveWebhook(ctx, w.ID, removedAt.Add(time.Hour)), "removing twice is fine")
	got, err := s.Webhook(ctx, w.ID)
	require.NoError(t, err)
	assert.False(t, got.Active)
	assert.True(t, removedAt.Truncate(time.Microsecond).Equal(got.RemovedAt), "the first removal's time stays")

	ds, _, err := s.Deliveries(ctx, webhooks.DeliveryQuery{WebhookID: w.ID, Limit: 10})
	require.NoError(t, err)
	require.Len(t, ds, 2)
	assert.Equal(t, webhooks.StatusDelivered, ds[0].Status)
	assert.Equal(t, webhooks.StatusDead, ds[1].Status, "what was pending is a dead letter now")
	assert.Equal(t, webhooks.RemovedError, ds[1].LastError)

	// The attempt in flight for w cannot bring its delivery back.
	for _, c := range cs {
		if c.WebhookID == w.ID && c.EventID == 2 {
			_, err := s.Finish(ctx, webhooks.Outcome{ID: c.ID, Attempt: 1, LeaseUntil: c.NextAt, At: base, Status: webhooks.StatusDelivered, StatusCode: 200})
			assert.ErrorIs(t, err, webhooks.ErrConflict)
		}
	}
	// New events go to the other webhook only; the other's deliveries are untouched.
	assert.Equal(t, 1, fanout(t, s, base, event(3, "ticket.resolved")))
	ds, _, err = s.Deliveries(ctx, webhooks.DeliveryQuery{WebhookID: other.ID, Status: webhooks.StatusPending, Limit: 10})
	require.NoError(t, err)
	assert.Len(t, ds, 3)

	assert.ErrorIs(t, s.RemoveWebhook(ctx, other.ID+100, base), webhooks.ErrNotFound)
}

func testFanout(t *testing.T, s webhooks.Store) {
	ctx := ctxFor(t)
	all := create(t, s, "https://all.example.com/")
	some := create(t, s, "https://some.example.com/", "ticket.created")
	evs := []webhooks.Event{event(10, "ticket.created"), event(11, "ticket.claimed"), event(12, "ticket.created")}
	assert.Equal(t, 5, fanout(t, s, base, evs...))
	assert.Equal(t, 0, fanout(t, s, base.Add(time.Second), evs...), "a second relay of the same events adds nothing")

	ds, _, err := s.Deliveries(ctx, webhooks.DeliveryQuery{WebhookID: all.ID, Limit: 10})
	require.NoError(t, err)
	require.Len(t, ds, 3)
	for i, d := range ds {
		assert.Equal(t, evs[i].ID, d.EventID)
		assert.Equal(t, evs[i].Type, d.EventType)
		assert.Equal(t, string(evs[i].Payload), string(d.Payload))
		assert.Equal(t, webhooks.StatusPending, d.Status)
		assert.Zero(t, d.Attempts)
		assert.True(t, base.Truncate(time.Microsecond).Equal(d.NextAt))
		assert.True(t, base.Add(window).Truncate(time.Microsecond).Equal(d.Deadline))
	}
	ds, _, err = s.Deliveries(ctx, webhooks.DeliveryQuery{WebhookID: some.ID, Limit: 10})
	require.NoError(t, err)
	require.Len(t, ds, 2, "the filter keeps only ticket.created")
	assert.Equal(t, []int64{10, 12}, []int64{ds[0].EventID, ds[1].EventID})

	c, err := s.Cursor(ctx)
	require.NoError(t, err)
	assert.Equal(t, int64(12), c)
}

func testCursor(t *testing.T, s webhooks.Store) {
	ctx := ctxFor(t)
	c, err := s.Cursor(ctx)
	require.NoError(t, err)
	assert.Zero(t, c, "a new store starts at the beginning of the log")
	_, err = s.Fanout(ctx, nil, 40, base, base.Add(window))
	require.NoError(t, err, "events without webhooks still move the cursor")
	_, err = s.Fanout(ctx, []webhooks.Event{event(30, "ticket.created")}, 30, base, base.Add(window))
	require.NoError(t, err)
	c, err = s.Cursor(ctx)
	require.NoError(t, err)
	assert.Equal(t, int64(40), c, "a relay behind another does not move the cursor back")
}

func testClaim(t *testing.T, s webhooks.Store) {
	ctx := ctxFor(t)
	w := create(t, s, "https://a.example.com/")
	fanout(t, s, base, event(1, "ticket.created"))
	fanout(t, s, base.Add(time.Minute), event(2, "ticket.created"))

	assert.Empty(t, claimAll(t, s, base.Add(-time.Second)), "nothing is due before its time")
	cs, err := s.Claim(ctx, base.Add(2*time.Minute), 5*time.Minute, 1)
	require.NoError(t, err)
	require.Len(t, cs, 1, "limit")
	c := cs[0]
	assert.Equal(t, int64(1), c.EventID, "the oldest due first")
	assert.Equal(t, 1, c.Attempts)
	assert.Equal(t, w.URL, c.URL)
	assert.Equal(t, w.Secret, c.Secret)
	assert.Equal(t, `{"id":1,"type":"ticket.created"}`, string(c.Payload))
	assert.True(t, base.Add(7*time.Minute).Truncate(time.Microsecond).Equal(c.NextAt), "leased until now+lease")

	cs = claimAll(t, s, base.Add(3*time.Minute))
	require.Len(t, cs, 1, "the leased delivery is not claimed again")
	assert.Equal(t, int64(2), cs[0].EventID)

	cs = claimAll(t, s, base.Add(8*time.Minute))
	require.Len(t, cs, 2, "lapsed leases let the deliveries be claimed again")
	for _, c := range cs {
		assert.Equal(t, 2, c.Attempts, "event %d", c.EventID)
	}
}

func finish(t *testing.T, s webhooks.Store, c webhooks.Claim, o webhooks.Outcome) webhooks.Delivery {
	t.Helper()
	o.ID, o.Attempt, o.LeaseUntil = c.ID, c.Attempts, c.NextAt
	d, err := s.Finish(ctxFor(t), o)
	require.NoError(t, err)
	return d
}

func testFinish(t *testing.T, s webhooks.Store) {
	create(t, s, "https://a.example.com/")
	fanout(t, s, base, event(1, "ticket.created"), event(2, "ticket.created"), event(3, "ticket.created"))
	cs := claimAll(t, s, base)
	require.Len(t, cs, 3)
	at := base.Add(time.Second)

	d := finish(t, s, cs[0], webhooks.Outcome{At: at, Status: webhooks.StatusDelivered, StatusCode: 200})
	assert.Equal(t, webhooks.StatusDelivered, d.Status)
	assert.Equal(t, 200, d.LastStatusCode)
	assert.True(t, at.Truncate(time.Microsecond).Equal(d.UpdatedAt))

	next := base.Add(30 * time.Second)
	d = finish(t, s, cs[1], webhooks.Outcome{At: at, Status: webhooks.StatusPending, NextAt: next, StatusCode: 500, Error: "the receiver answered 500 Internal Server Error: 出错了"})
	assert.Equal(t, webhooks.StatusPending, d.Status)
	assert.True(t, next.Truncate(time.Microsecond).Equal(d.NextAt))
	assert.Equal(t, 500, d.LastStatusCode)
	assert.Equal(t, "the receiver answered 500 Internal Server Error: 出错了", d.LastError)
	assert.Empty(t, claimAll(t, s, next.Add(-time.Millisecond)), "not before its retry")
	again := claimAll(t, s, next)
	require.Len(t, again, 1)
	assert.Equal(t, 2, again[0].Attempts)

	long := strings.Repeat("错", 1000)
	d = finish(t, s, cs[2], webhooks.Outcome{At: at, Status: webhooks.StatusDead, Error: long})
	assert.Equal(t, webhooks.StatusDead, d.Status)
	assert.Zero(t, d.LastStatusCode)
	assert.LessOrEqual(t, len(d.LastError), webhooks.MaxErrorLength, "a long error is cut, not refused")
	assert.True(t, utf8.ValidString(d.LastError), "cut between characters")
}

func testLostClaim(t *testing.T, s webhooks.Store) {
	create(t, s, "https://a.example.com/")
	fanout(t, s, base, event(1, "ticket.created"))
	first := claimAll(t, s, base)
	require.Len(t, first, 1)
	second := claimAll(t, s, base.Add(2*time.Minute)) // the first lease (1 min) lapsed
	require.Len(t, second, 1)

	_, err := s.Finish(ctxFor(t), webhooks.Outcome{ID: first[0].ID, Attempt: first[0].Attempts, LeaseUntil: first[0].NextAt,
		At: base.Add(3 * time.Minute), Status: webhooks.StatusDead, Error: "late"})
	assert.ErrorIs(t, err, webhooks.ErrConflict, "the late attempt cannot overwrite the current one")
	d := finish(t, s, second[0], webhooks.Outcome{At: base.Add(3 * time.Minute), Status: webhooks.StatusDelivered, StatusCode: 202})
	assert.Equal(t, webhooks.StatusDelivered, d.Status)
	_, err = s.Finish(ctxFor(t), webhooks.Outcome{ID: second[0].ID, Attempt: second[0].Attempts, LeaseUntil: second[0].NextAt,
		At: base.Add(4 * time.Minute), Status: webhooks.StatusDelivered, StatusCode: 200})
	assert.ErrorIs(t, err, webhooks.ErrConflict, "an attempt is finished once")
	_, err = s.Finish(ctxFor(t), webhooks.Outcome{ID: 9999, Attempt: 1, LeaseUntil: base, At: base, Status: webhooks.StatusDelivered})
	assert.ErrorIs(t, err, webhooks.ErrNotFound)
}

func testBadOutcome(t *testing.T, s webhooks.Store) {
	create(t, s, "https://a.example.com/")
	fanout(t, s, base, event(1, "ticket.created"))
	c := claimAll(t, s, base)[0]
	for name, o := range map[string]webhooks.Outcome{
		"unknown status":     {Status: "lost"},
		"retry without time": {Status: webhooks.StatusPending},
		"bad status code":    {Status: webhooks.StatusDelivered, StatusCode: 1000},
	} {
		o.ID, o.Attempt, o.LeaseUntil, o.At = c.ID, c.Attempts, c.NextAt, base
		_, err := s.Finish(ctxFor(t), o)
		assert.ErrorIs(t, err, webhooks.ErrInvalid, name)
	}
	// The claim still holds after the refused outcomes.
	d := finish(t, s, c, webhooks.Outcome{At: base, Status: webhooks.StatusDelivered, StatusCode: 200})
	assert.Equal(t, webhooks.StatusDelivered, d.Status)
}

func testDeliveries(t *testing.T, s webhooks.Store) {
	ctx := ctxFor(t)
	w := create(t, s, "https://a.example.com/")
	var evs []webhooks.Event
	for i := range 5 {
		evs = append(evs, event(int64(i+1), "ticket.created"))
	}
	fanout(t, s, base, evs...)
	cs := claimAll(t, s, base)
	for i, c := range cs {
		st := webhooks.StatusDead
		if i%2 == 0 {
			st = webhooks.StatusDelivered
		}
		finish(t, s, c, webhooks.Outcome{At: base, Status: st})
	}
	var got []int64
	after := int64(0)
	for pages := 0; ; pages++ {
		require.Less(t, pages, 5)
		page, more, err := s.Deliveries(ctx, webhooks.DeliveryQuery{WebhookID: w.ID, Status: webhooks.StatusDead, AfterID: after, Limit: 1})
		require.NoError(t, err)
		for _, d := range page {
			assert.Equal(t, webhooks.StatusDead, d.Status)
			got = append(got, d.EventID)
			after = d.ID
		}
		if !more {
			break
		}
	}
	assert.Equal(t, []int64{2, 4}, got)

	_, _, err := s.Deliveries(ctx, webhooks.DeliveryQuery{WebhookID: w.ID + 100, Limit: 10})
	assert.ErrorIs(t, err, webhooks.ErrNotFound, "an unknown webhook")
	empty := create(t, s, "https://b.example.com/")
	list, more, err := s.Deliveries(ctx, webhooks.DeliveryQuery{WebhookID: empty.ID, Limit: 10})
	require.NoError(t, err)
	assert.Equal(t, []webhooks.Delivery{}, list)
	assert.False(t, more)
}

func testRetry(t *testing.T, s webhooks.Store) {
	ctx := ctxFor(t)
	w := create(t, s, "https://a.example.com/")
	other := create(t, s, "https://b.example.com/")
	fanout(t, s, base, event(1, "ticket.created"))
	var mine, theirs webhooks.Claim
	for _, c := range claimAll(t, s, base) {
		if c.WebhookID == w.ID {
			mine = c
		} else {
			theirs = c
		}
	}
	finish(t, s, theirs, webhooks.Outcome{At: base, Status: webhooks.StatusDelivered, StatusCode: 200})
	_, err := s.Retry(ctx, w.ID, mine.ID, base, base.Add(window))
	assert.ErrorIs(t, err, webhooks.ErrConflict, "a pending delivery is not retried by hand")
	finish(t, s, mine, webhooks.Outcome{At: base, Status: webhooks.StatusDead, Error: "gone"})

	_, err = s.Retry(ctx, w.ID, theirs.ID, base, base.Add(window))
	assert.ErrorIs(t, err, webhooks.ErrNotFound, "another webhook's delivery")
	_, err = s.Retry(ctx, w.ID+100, mine.ID, base, base.Add(window))
	assert.ErrorIs(t, err, webhooks.ErrNotFound, "an unknown webhook")

	later := base.Add(48 * time.Hour)
	d, err := s.Retry(ctx, w.ID, mine.ID, later, later.Add(window))
	require.NoError(t, err)
	assert.Equal(t, webhooks.StatusPending, d.Status)
	assert.True(t, later.Truncate(time.Microsecond).Equal(d.NextAt))
	assert.True(t, later.Add(window).Truncate(time.Microsecond).Equal(d.Deadline), "a new window")
	cs := claimAll(t, s, later)
	require.Len(t, cs, 1)
	assert.Equal(t, mine.ID, cs[0].ID)
	assert.Equal(t, 2, cs[0].Attempts, "attempts count on")

	finish(t, s, cs[0], webhooks.Outcome{At: later, Status: webhooks.StatusDead})
	require.NoError(t, s.RemoveWebhook(ctx, w.ID, later))
	_, err = s.Retry(ctx, w.ID, mine.ID, later, later.Add(window))
	assert.ErrorIs(t, err, webhooks.ErrConflict, "a removed webhook gets nothing more")
	_, err = s.Retry(ctx, other.ID, theirs.ID, later, later.Add(window))
	assert.ErrorIs(t, err, webhooks.ErrConflict, "a delivered delivery is not sent again")
}

func testPrune(t *testing.T, s webhooks.Store) {
	ctx := ctxFor(t)
	w := create(t, s, "https://a.example.com/")
	fanout(t, s, base, event(1, "ticket.created"), event(2, "ticket.created"), event(3, "ticket.created"))
	cs := claimAll(t, s, base)
	finish(t, s, cs[0], webhooks.Outcome{At: base, Status: webhooks.StatusDelivered})
	finish(t, s, cs[1], webhooks.Outcome{At: base, Status: webhooks.StatusDead})
	n, err := s.Prune(ctx, base.Add(time.Second))
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	ds, _, err := s.Deliveries(ctx, webhooks.DeliveryQuery{WebhookID: w.ID, Limit: 10})
	require.NoError(t, err)
	require.Len(t, ds, 2, "dead letters and pending deliveries stay")
	assert.Equal(t, []webhooks.Status{webhooks.StatusDead, webhooks.StatusPending}, []webhooks.Status{ds[0].Status, ds[1].Status})
}

func testConcurrentClaims(t *testing.T, s webhooks.Store) {
	create(t, s, "https://a.example.com/")
	create(t, s, "https://b.example.com/")
	const events = 100
	var evs []webhooks.Event
	for i := range events {
		evs = append(evs, event(int64(i+1), "ticket.created"))
	}
	require.Equal(t, 2*events, fanout(t, s, base, evs...))

	const workers = 8
	var (
		mu    sync.Mutex
		seen  = map[int64]int{}
		wg    sync.WaitGroup
		errCh = make(chan error, workers)
	)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				cs, err := s.Claim(context.Background(), base, time.Hour, 7)
				if err != nil {
					errCh <- err
					return
				}
				if len(cs) == 0 {
					return
				}
				mu.Lock()
				for _, c := range cs {
					seen[c.ID]++
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	close(errCh)
	for err := range errCh {
		require.NoError(t, err)
	}
	assert.Len(t, seen, 2*events, "every delivery was claimed")
	for id, n := range seen {
		assert.Equal(t, 1, n, "delivery %d claimed %d times", id, n)
	}
}
