package postgres_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/faqbot/faqbot/handoff"
	handoffpg "github.com/faqbot/faqbot/handoff/postgres"
	"github.com/faqbot/faqbot/handoff/webhooks"
	"github.com/faqbot/faqbot/handoff/webhooks/postgres"
	"github.com/faqbot/faqbot/internal/postgres/pgtest"
)

// counter is a receiver that counts deliveries per event id.
type counter struct {
	mu   sync.Mutex
	seen map[string]int
}

func newCounter(t *testing.T) (*counter, string) {
	c := &counter{seen: map[string]int{}}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c.mu.Lock()
		c.seen[r.Header.Get(webhooks.HeaderEventID)]++
		c.mu.Unlock()
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(srv.Close)
	return c, srv.URL
}

var loopback = webhooks.Policy{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}}

// Two replicas' dispatchers run at once over the same deliveries: each is sent once.
func TestConcurrentDispatchersDeliverEachOnce(t *testing.T) {
	ctx := context.Background()
	pool := pgtest.New(t)
	store := postgres.New(pool)
	recv, url := newCounter(t)
	w := webhooks.Webhook{URL: url, Secret: "0123456789abcdef", CreatedAt: time.Now()}
	require.NoError(t, store.CreateWebhook(ctx, &w))

	const events = 200
	now := time.Now()
	var evs []webhooks.Event
	for i := range events {
		evs = append(evs, webhooks.Event{ID: int64(i + 1), Type: "ticket.created", Payload: fmt.Appendf(nil, `{"id":%d}`, i+1)})
	}
	n, err := store.Fanout(ctx, evs, events, now, now.Add(24*time.Hour))
	require.NoError(t, err)
	require.Equal(t, events, n)

	feed := handoffpg.New(pool) // the real feed; the cursor is past its (empty) end already
	var (
		wg        sync.WaitGroup
		mu        sync.Mutex
		delivered int
	)
	for range 4 {
		worker := webhooks.NewWorker(store, feed, loopback.Client(5*time.Second),
			webhooks.WorkerConfig{Batch: 15, Concurrency: 4}, nil)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				res, err := worker.Step(ctx, now)
				if !assert.NoError(t, err) {
					return
				}
				mu.Lock()
				delivered += res.Delivered
				mu.Unlock()
				if res.Delivered+res.Retrying+res.Lost == 0 {
					return
				}
			}
		}()
	}
	wg.Wait()
	assert.Equal(t, events, delivered)
	assert.Len(t, recv.seen, events)
	for id, n := range recv.seen {
		assert.Equal(t, 1, n, "event %s sent %d times", id, n)
	}
	pending, _, err := store.Deliveries(ctx, webhooks.DeliveryQuery{WebhookID: w.ID, Status: webhooks.StatusPending, Limit: 10})
	require.NoError(t, err)
	assert.Empty(t, pending, "none left behind")
}

// The whole path on PostgreSQL: a ticket written by the handoff store reaches the receiver.
func TestTicketEventsReachTheReceiver(t *testing.T) {
	ctx := context.Background()
	pool := pgtest.New(t)
	tickets := handoffpg.New(pool)
	store := postgres.New(pool)
	recv, url := newCounter(t)
	svc := webhooks.NewService(store, loopback)
	_, err := svc.Create(ctx, webhooks.Input{URL: url, Events: []string{"ticket.created", "ticket.resolved"}})
	require.NoError(t, err)

	var conv string
	require.NoError(t, pool.QueryRow(ctx, `INSERT INTO conversations (owner_id, state, created_at, updated_at)
		VALUES ('u1', 'bot', now(), now()) RETURNING id::text`).Scan(&conv))
	now := time.Now()
	tk := &handoff.Ticket{Number: handoff.NewNumber(), ConversationID: conv, OwnerID: "u1", Status: handoff.StatusQueued,
		Priority: handoff.P3, Queue: "general", Trigger: handoff.TriggerUserRequest, Reason: "asked", CreatedAt: now, DueAt: now.Add(time.Hour)}
	require.NoError(t, tickets.InsertTicket(ctx, tk))
	_, err = tickets.Resolve(ctx, tk.Number, "agent-ann")
	require.NoError(t, err)

	worker := webhooks.NewWorker(store, tickets, loopback.Client(5*time.Second), webhooks.WorkerConfig{}, nil)
	res, err := worker.Step(ctx, now)
	require.NoError(t, err)
	assert.Equal(t, 2, res.Events)
	assert.Equal(t, 2, res.Delivered)
	assert.Len(t, recv.seen, 2)

	res, err = worker.Step(ctx, now.Add(time.Second))
	require.NoError(t, err)
	assert.Equal(t, webhooks.StepResult{}, res, "a second step finds nothing new")
}
