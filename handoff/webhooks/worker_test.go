package webhooks_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/faqbot/faqbot/handoff"
	handoffmemory "github.com/faqbot/faqbot/handoff/memory"
	"github.com/faqbot/faqbot/handoff/webhooks"
	"github.com/faqbot/faqbot/handoff/webhooks/memory"
)

// got is one request a test receiver took.
type got struct {
	header http.Header
	body   []byte
}

// recorder is a receiver that keeps what it gets and answers with the next status of a
// script (the last one repeats).
type recorder struct {
	mu       sync.Mutex
	requests []got
	statuses []int
}

func (r *recorder) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	r.requests = append(r.requests, got{header: req.Header.Clone(), body: body})
	status := http.StatusNoContent
	if len(r.statuses) > 0 {
		status = r.statuses[0]
		if len(r.statuses) > 1 {
			r.statuses = r.statuses[1:]
		}
	}
	r.mu.Unlock()
	if status >= 400 {
		http.Error(w, "服务暂时不可用 / try later", status)
		return
	}
	w.WriteHeader(status)
}

func (r *recorder) all() []got {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]got(nil), r.requests...)
}

// harness is a worker over memory stores that may reach loopback receivers (the allow-list).
type harness struct {
	tickets  *handoffmemory.Store
	store    *memory.Store
	service  *webhooks.Service
	worker   *webhooks.Worker
	policy   webhooks.Policy
	t0       time.Time
	timeout  time.Duration
	backoffs webhooks.Backoff
}

func newHarness(t *testing.T, timeout time.Duration) *harness {
	t.Helper()
	allow, err := webhooks.ParseAllow("127.0.0.0/8")
	require.NoError(t, err)
	h := &harness{
		tickets: handoffmemory.New(),
		store:   memory.New(),
		policy:  webhooks.Policy{Allow: allow},
		t0:      time.Now().UTC().Truncate(time.Second),
		timeout: timeout,
		// No jitter: the schedule is exact, so the test can step to each retry.
		backoffs: webhooks.Backoff{First: 30 * time.Second, Max: time.Hour, Window: 24 * time.Hour, Jitter: func() float64 { return 0 }},
	}
	h.service = webhooks.NewService(h.store, h.policy)
	h.worker = h.newWorker()
	return h
}

func (h *harness) newWorker() *webhooks.Worker {
	return webhooks.NewWorker(h.store, h.tickets, h.policy.Client(h.timeout),
		webhooks.WorkerConfig{Timeout: h.timeout, Backoff: h.backoffs}, nil)
}

func (h *harness) register(t *testing.T, url string, events ...string) webhooks.Webhook {
	t.Helper()
	w, err := h.service.Create(context.Background(), webhooks.Input{URL: url, Secret: "s3cret-s3cret-s3cret", Events: events})
	require.NoError(t, err)
	return w
}

// openTicket writes a ticket, and with it its created event.
func (h *harness) openTicket(t *testing.T) handoff.Ticket {
	t.Helper()
	tk := handoff.Ticket{Number: handoff.NewNumber(), ConversationID: uuid.NewString(), OwnerID: "user-1",
		Status: handoff.StatusQueued, Priority: handoff.P2, Queue: "payment", Category: "payment",
		Trigger: handoff.TriggerUserRequest, Reason: "the user asked for a human", CreatedAt: h.t0,
		DueAt: h.t0.Add(5 * time.Minute)}
	require.NoError(t, h.tickets.InsertTicket(context.Background(), &tk))
	return tk
}

func (h *harness) step(t *testing.T, at time.Time) webhooks.StepResult {
	t.Helper()
	res, err := h.worker.Step(context.Background(), at)
	require.NoError(t, err)
	return res
}

func (h *harness) deliveries(t *testing.T, webhookID int64) []webhooks.Delivery {
	t.Helper()
	ds, _, err := h.store.Deliveries(context.Background(), webhooks.DeliveryQuery{WebhookID: webhookID, Limit: 200})
	require.NoError(t, err)
	return ds
}

func TestDeliveryIsSignedAndVerifiable(t *testing.T) {
	h := newHarness(t, 5*time.Second)
	rec := &recorder{}
	srv, _ := receiver(t, rec.ServeHTTP)
	w := h.register(t, srv.URL+"/hooks?source=faqbot")
	tk := h.openTicket(t)

	res := h.step(t, h.t0)
	assert.Equal(t, webhooks.StepResult{Events: 1, Enqueued: 1, Delivered: 1}, res)
	reqs := rec.all()
	require.Len(t, reqs, 1)
	r := reqs[0]
	// What a receiver does: check the signature over the timestamp and the raw body.
	require.NoError(t, webhooks.Verify(w.Secret, r.header.Get(webhooks.HeaderTimestamp),
		r.header.Get(webhooks.HeaderSignature), r.body, h.t0, 0))
	assert.Equal(t, "application/json", r.header.Get("Content-Type"))
	assert.Equal(t, "ticket.created", r.header.Get(webhooks.HeaderEventType))
	assert.Equal(t, "1", r.header.Get(webhooks.HeaderAttempt))

	var p webhooks.Payload
	require.NoError(t, json.Unmarshal(r.body, &p))
	assert.Equal(t, r.header.Get(webhooks.HeaderEventID), strconv.FormatInt(p.ID, 10), "the header and the body name the same event")
	assert.Equal(t, "ticket.created", p.Type)
	assert.Equal(t, tk.Number, p.Ticket.Number)
	assert.Equal(t, "payment", p.Ticket.Queue)
	assert.Equal(t, handoff.ActorBot, p.Actor)
	assert.Equal(t, "P2", p.Detail["priority"])
	assert.Equal(t, "the user asked for a human", p.Detail["reason"])

	ds := h.deliveries(t, w.ID)
	require.Len(t, ds, 1)
	assert.Equal(t, webhooks.StatusDelivered, ds[0].Status)
	assert.Equal(t, http.StatusNoContent, ds[0].LastStatusCode)

	// Nothing new: nothing sent again.
	assert.Equal(t, webhooks.StepResult{}, h.step(t, h.t0.Add(time.Minute)))
	assert.Len(t, rec.all(), 1)
}

func TestEventFilter(t *testing.T) {
	h := newHarness(t, 5*time.Second)
	rec := &recorder{}
	srv, _ := receiver(t, rec.ServeHTTP)
	w := h.register(t, srv.URL, "ticket.resolved")
	tk := h.openTicket(t)
	_, err := h.tickets.Resolve(context.Background(), tk.Number, "agent-ann")
	require.NoError(t, err)

	res := h.step(t, h.t0)
	assert.Equal(t, 2, res.Events)
	assert.Equal(t, 1, res.Delivered)
	reqs := rec.all()
	require.Len(t, reqs, 1)
	assert.Equal(t, "ticket.resolved", reqs[0].header.Get(webhooks.HeaderEventType))
	assert.Len(t, h.deliveries(t, w.ID), 1)
}

func TestRetriesAfter500WithBackoff(t *testing.T) {
	h := newHarness(t, 5*time.Second)
	rec := &recorder{statuses: []int{500, 500, 200}}
	srv, _ := receiver(t, rec.ServeHTTP)
	w := h.register(t, srv.URL)
	h.openTicket(t)

	res := h.step(t, h.t0)
	assert.Equal(t, 1, res.Retrying)
	d := h.deliveries(t, w.ID)[0]
	assert.Equal(t, webhooks.StatusPending, d.Status)
	assert.Equal(t, 500, d.LastStatusCode)
	assert.Contains(t, d.LastError, "500")
	assert.Contains(t, d.LastError, "服务暂时不可用", "the receiver's words are kept for the admin")
	assert.True(t, h.t0.Add(30*time.Second).Equal(d.NextAt), "first retry after 30 s, got %v", d.NextAt.Sub(h.t0))

	assert.Equal(t, webhooks.StepResult{}, h.step(t, h.t0.Add(29*time.Second)), "not before its time")
	assert.Len(t, rec.all(), 1)

	res = h.step(t, h.t0.Add(30*time.Second))
	assert.Equal(t, 1, res.Retrying)
	d = h.deliveries(t, w.ID)[0]
	assert.True(t, h.t0.Add(90*time.Second).Equal(d.NextAt), "then after 1 min, got %v", d.NextAt.Sub(h.t0))

	res = h.step(t, h.t0.Add(90*time.Second))
	assert.Equal(t, 1, res.Delivered)
	d = h.deliveries(t, w.ID)[0]
	assert.Equal(t, webhooks.StatusDelivered, d.Status)
	assert.Equal(t, 3, d.Attempts)

	reqs := rec.all()
	require.Len(t, reqs, 3)
	for i, r := range reqs {
		assert.Equal(t, string(reqs[0].body), string(r.body), "every attempt sends the same body")
		assert.Equal(t, reqs[0].header.Get(webhooks.HeaderEventID), r.header.Get(webhooks.HeaderEventID))
		assert.Equal(t, strconv.Itoa(i+1), r.header.Get(webhooks.HeaderAttempt))
	}
}

func TestHangingReceiverTimesOut(t *testing.T) {
	h := newHarness(t, 300*time.Millisecond)
	release := make(chan struct{})
	srv, hits := receiver(t, func(w http.ResponseWriter, r *http.Request) {
		select { // hangs until the sender gives up (or the test ends)
		case <-r.Context().Done():
		case <-release:
		}
	})
	t.Cleanup(func() { close(release) }) // runs before srv.Close
	w := h.register(t, srv.URL)
	h.openTicket(t)

	res := h.step(t, h.t0)
	assert.Equal(t, 1, res.Retrying, "a hang is a failed attempt, not a stuck worker")
	assert.EqualValues(t, 1, hits.Load())
	d := h.deliveries(t, w.ID)[0]
	assert.Equal(t, webhooks.StatusPending, d.Status)
	assert.Zero(t, d.LastStatusCode)
	assert.Contains(t, d.LastError, "did not answer within 300ms")
	assert.True(t, d.NextAt.After(h.t0))
}

func TestDeadLetterAfterTheWindowThenRetried(t *testing.T) {
	h := newHarness(t, 5*time.Second)
	rec := &recorder{statuses: []int{503}}
	srv, _ := receiver(t, rec.ServeHTTP)
	w := h.register(t, srv.URL)
	h.openTicket(t)

	at := h.t0
	var dead bool
	for i := 0; i < 100 && !dead; i++ {
		res := h.step(t, at)
		require.Equal(t, 1, res.Retrying+res.Dead, "one attempt per step at %v", at.Sub(h.t0))
		dead = res.Dead == 1
		at = h.deliveries(t, w.ID)[0].NextAt // the fake clock jumps to the next retry
	}
	require.True(t, dead, "dead within 100 attempts")
	d := h.deliveries(t, w.ID)[0]
	assert.Equal(t, webhooks.StatusDead, d.Status)
	assert.Equal(t, 503, d.LastStatusCode)
	assert.True(t, d.UpdatedAt.Equal(h.t0.Add(24*time.Hour)), "the last attempt is at the end of the window, got %v", d.UpdatedAt.Sub(h.t0))
	assert.Equal(t, len(rec.all()), d.Attempts)
	assert.Greater(t, d.Attempts, 20, "retried through the day")

	// Visible to admins as a dead letter, and nothing is tried any more.
	dl, _, err := h.service.Deliveries(context.Background(), webhooks.DeliveryQuery{WebhookID: w.ID, Status: webhooks.StatusDead, Limit: 10})
	require.NoError(t, err)
	require.Len(t, dl, 1)
	assert.Equal(t, webhooks.StepResult{}, h.step(t, h.t0.Add(48*time.Hour)))

	// The receiver is fixed; an admin sends the dead letter again.
	rec.mu.Lock()
	rec.statuses = []int{200}
	rec.mu.Unlock()
	_, err = h.service.Retry(context.Background(), w.ID, d.ID)
	require.NoError(t, err)
	res := h.step(t, time.Now().Add(time.Second))
	assert.Equal(t, 1, res.Delivered)
	assert.Equal(t, webhooks.StatusDelivered, h.deliveries(t, w.ID)[0].Status)
}

func TestRelayRunTwiceDuplicatesNothing(t *testing.T) {
	h := newHarness(t, 5*time.Second)
	rec := &recorder{}
	srv, _ := receiver(t, rec.ServeHTTP)
	w := h.register(t, srv.URL)
	for range 3 {
		h.openTicket(t)
	}
	// A relay that fanned out and died before its cursor moved: the deliveries are there,
	// the cursor is not.
	evs, err := h.tickets.EventsAfter(context.Background(), 0, 10)
	require.NoError(t, err)
	var out []webhooks.Event
	for _, e := range evs {
		ev, err := webhooks.EventOf(e)
		require.NoError(t, err)
		out = append(out, ev)
	}
	n, err := h.store.Fanout(context.Background(), out, 0, h.t0, h.t0.Add(24*time.Hour))
	require.NoError(t, err)
	require.Equal(t, 3, n)

	// It runs again, next to a second replica's worker.
	other := h.newWorker()
	res := h.step(t, h.t0)
	assert.Equal(t, 3, res.Events)
	assert.Zero(t, res.Enqueued, "the events' deliveries existed already")
	res2, err := other.Step(context.Background(), h.t0)
	require.NoError(t, err)
	assert.Zero(t, res2.Enqueued)
	assert.Equal(t, 3, res.Delivered+res2.Delivered)

	ids := map[string]int{}
	for _, r := range rec.all() {
		ids[r.header.Get(webhooks.HeaderEventID)]++
	}
	assert.Len(t, ids, 3)
	for id, n := range ids {
		assert.Equal(t, 1, n, "event %s sent %d times", id, n)
	}
	assert.Len(t, h.deliveries(t, w.ID), 3)
	c, err := h.store.Cursor(context.Background())
	require.NoError(t, err)
	assert.Equal(t, evs[len(evs)-1].ID, c)
}

func TestRemovedWebhookGetsNothingMore(t *testing.T) {
	h := newHarness(t, 5*time.Second)
	rec := &recorder{statuses: []int{500}}
	srv, _ := receiver(t, rec.ServeHTTP)
	w := h.register(t, srv.URL)
	h.openTicket(t)
	h.step(t, h.t0)
	require.NoError(t, h.service.Remove(context.Background(), w.ID))
	h.openTicket(t)

	res := h.step(t, h.t0.Add(time.Hour))
	assert.Equal(t, webhooks.StepResult{Events: 1}, res)
	assert.Len(t, rec.all(), 1)
	ds := h.deliveries(t, w.ID)
	require.Len(t, ds, 1)
	assert.Equal(t, webhooks.StatusDead, ds[0].Status, "what was pending is a dead letter, not stuck")
}

type brokenFeed struct{}

func (brokenFeed) EventsAfter(context.Context, int64, int) ([]handoff.Event, error) {
	return nil, errors.New("the database is down")
}

func TestAFailingFeedDoesNotHoldUpQueuedDeliveries(t *testing.T) {
	h := newHarness(t, 5*time.Second)
	rec := &recorder{}
	srv, _ := receiver(t, rec.ServeHTTP)
	h.register(t, srv.URL)
	_, err := h.store.Fanout(context.Background(), []webhooks.Event{{ID: 1, Type: "ticket.created", Payload: []byte(`{"id":1}`)}},
		1, h.t0, h.t0.Add(time.Hour))
	require.NoError(t, err)
	w := webhooks.NewWorker(h.store, brokenFeed{}, h.policy.Client(h.timeout), webhooks.WorkerConfig{}, nil)
	res, err := w.Step(context.Background(), h.t0)
	assert.ErrorContains(t, err, "the database is down")
	assert.Equal(t, 1, res.Delivered)
	assert.Len(t, rec.all(), 1)
}
