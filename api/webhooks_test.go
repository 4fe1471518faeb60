package api_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/faqbot/faqbot/api"
	"github.com/faqbot/faqbot/handoff"
	handoffmemory "github.com/faqbot/faqbot/handoff/memory"
	"github.com/faqbot/faqbot/handoff/webhooks"
	whmemory "github.com/faqbot/faqbot/handoff/webhooks/memory"
)

type webhookJSON struct {
	ID        int64     `json:"id"`
	URL       string    `json:"url"`
	Secret    string    `json:"secret"`
	Events    []string  `json:"events"`
	Active    bool      `json:"active"`
	CreatedAt time.Time `json:"created_at"`
	RemovedAt time.Time `json:"removed_at"`
}

type deliveryJSON struct {
	ID             int64          `json:"id"`
	WebhookID      int64          `json:"webhook_id"`
	EventID        int64          `json:"event_id"`
	EventType      string         `json:"event_type"`
	Status         string         `json:"status"`
	Attempts       int            `json:"attempts"`
	NextAt         *time.Time     `json:"next_at"`
	LastStatusCode int            `json:"last_status_code"`
	LastError      string         `json:"last_error"`
	Payload        map[string]any `json:"payload"`
}

type webhookEnv struct {
	*env
	store   *whmemory.Store
	tickets *handoffmemory.Store
	worker  *webhooks.Worker
}

// newWebhookEnv serves webhooks that may reach loopback receivers, with a worker whose retry
// window is a minute, so that a test reaches the dead letters in three steps.
func newWebhookEnv(t *testing.T) *webhookEnv {
	allow, err := webhooks.ParseAllow("127.0.0.0/8")
	require.NoError(t, err)
	policy := webhooks.Policy{Allow: allow}
	we := &webhookEnv{store: whmemory.New(), tickets: handoffmemory.New()}
	svc := webhooks.NewService(we.store, policy)
	we.env = newEnv(t, func(_ *api.Config, d *api.Deps) { d.Webhooks = svc })
	we.worker = webhooks.NewWorker(we.store, we.tickets, policy.Client(5*time.Second), webhooks.WorkerConfig{
		Backoff: webhooks.Backoff{First: 30 * time.Second, Max: time.Minute, Window: time.Minute, Jitter: func() float64 { return 0 }},
	}, nil)
	return we
}

func (we *webhookEnv) create(t *testing.T, body map[string]any) webhookJSON {
	t.Helper()
	var w webhookJSON
	we.json(request{method: "POST", path: "/v1/webhooks", token: adminToken, body: body}, http.StatusCreated, &w)
	return w
}

func TestWebhookRegistration(t *testing.T) {
	we := newWebhookEnv(t)
	rec := we.do(request{method: "POST", path: "/v1/webhooks", token: adminToken,
		body: map[string]any{"url": "https://hooks.example.com/faqbot", "events": []string{"ticket.created", "ticket.resolved"}}})
	require.Equal(t, http.StatusCreated, rec.Code, rec.Body.String())
	assert.Equal(t, "no-store", rec.Header().Get("Cache-Control"), "the secret must not be cached")
	var w webhookJSON
	require.NoError(t, jsonUnmarshal(rec.Body.Bytes(), &w))
	assert.NotZero(t, w.ID)
	assert.Regexp(t, `^whsec_[A-Za-z0-9_-]{40,}$`, w.Secret, "generated and shown once")
	assert.Equal(t, []string{"ticket.created", "ticket.resolved"}, w.Events)
	assert.True(t, w.Active)

	own := we.create(t, map[string]any{"url": "http://receiver.example.org:8080/in", "secret": "my-own-secret-0123"})
	assert.Equal(t, "my-own-secret-0123", own.Secret)
	assert.Equal(t, []string{}, own.Events)

	var list struct {
		Items      []map[string]any `json:"items"`
		NextCursor string           `json:"next_cursor"`
	}
	we.json(request{method: "GET", path: "/v1/webhooks?limit=1", token: adminToken}, http.StatusOK, &list)
	require.Len(t, list.Items, 1)
	assert.NotEmpty(t, list.NextCursor)
	assert.NotContains(t, list.Items[0], "secret", "lists never show the secret")
	cursor := list.NextCursor
	list.NextCursor = ""
	we.json(request{method: "GET", path: "/v1/webhooks?cursor=" + cursor, token: adminToken}, http.StatusOK, &list)
	require.Len(t, list.Items, 1)
	assert.Empty(t, list.NextCursor)

	var got map[string]any
	we.json(request{method: "GET", path: fmt.Sprintf("/v1/webhooks/%d", own.ID), token: adminToken}, http.StatusOK, &got)
	assert.NotContains(t, got, "secret")
	assert.Equal(t, own.URL, got["url"])
}

func TestWebhookBadInput(t *testing.T) {
	we := newEnv(t) // the default policy: no allow-list
	tests := []struct {
		name  string
		body  any
		field string
		text  string
	}{
		{"loopback", map[string]any{"url": "http://127.0.0.1:8080/hook"}, "url", "loopback"},
		{"metadata service", map[string]any{"url": "http://169.254.169.254/latest/meta-data/"}, "url", "link-local"},
		{"IPv6 loopback", map[string]any{"url": "http://[::1]:9000/"}, "url", "loopback"},
		{"localhost", map[string]any{"url": "https://localhost/hook"}, "url", "refused"},
		{"private network", map[string]any{"url": "http://10.0.0.8/hook"}, "url", "private"},
		{"not http", map[string]any{"url": "ftp://example.com/x"}, "url", "https://"},
		{"relative", map[string]any{"url": "/hooks"}, "url", "absolute"},
		{"credentials in the URL", map[string]any{"url": "https://u:p@example.com/"}, "url", "password"},
		{"short secret", map[string]any{"url": "https://example.com/", "secret": "short"}, "secret", "16"},
		{"unknown event", map[string]any{"url": "https://example.com/", "events": []string{"ticket.exploded"}}, "events[0]", "ticket.exploded"},
		{"events not a list", map[string]any{"url": "https://example.com/", "events": "ticket.created"}, "events", ""},
		{"unknown field", map[string]any{"url": "https://example.com/", "target": "x"}, "", "target"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := we.do(request{method: "POST", path: "/v1/webhooks", token: adminToken, body: tt.body})
			require.Equal(t, http.StatusBadRequest, rec.Code, rec.Body.String())
			e := decodeError(t, rec)
			assert.Equal(t, "invalid", e.Error.Code)
			if tt.field != "" {
				assert.Equal(t, tt.field, e.Error.Field)
			}
			assert.Contains(t, e.Error.Message, tt.text)
		})
	}
	var list struct {
		Items []any `json:"items"`
	}
	we.json(request{method: "GET", path: "/v1/webhooks", token: adminToken}, http.StatusOK, &list)
	assert.Empty(t, list.Items, "nothing refused was stored")

	rec := we.do(request{method: "GET", path: "/v1/webhooks/1/deliveries", token: adminToken})
	assert.Equal(t, http.StatusNotFound, rec.Code, "an unknown webhook")
	for path, field := range map[string]string{
		"/v1/webhooks/x":                        "id",
		"/v1/webhooks/1/deliveries?limit=1000":  "limit",
		"/v1/webhooks/1/deliveries?status=lost": "status",
		"/v1/webhooks/1/deliveries/0/retry":     "delivery_id",
	} {
		method := "GET"
		if field == "delivery_id" {
			method = "POST"
		}
		rec := we.do(request{method: method, path: path, token: adminToken})
		require.Equal(t, http.StatusBadRequest, rec.Code, path)
		assert.Equal(t, field, decodeError(t, rec).Error.Field, path)
	}
}

func TestDeadLettersAreVisibleAndRetried(t *testing.T) {
	we := newWebhookEnv(t)
	var failing atomic.Bool
	failing.Store(true)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if failing.Load() {
			http.Error(w, "down for maintenance", http.StatusInternalServerError)
			return
		}
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(srv.Close)
	w := we.create(t, map[string]any{"url": srv.URL + "/hook"})
	tk := handoff.Ticket{Number: handoff.NewNumber(), ConversationID: uuid.NewString(), OwnerID: "u1",
		Status: handoff.StatusQueued, Priority: handoff.P3, Queue: "general", Trigger: handoff.TriggerUserRequest,
		Reason: "asked", CreatedAt: time.Now(), DueAt: time.Now().Add(time.Hour)}
	require.NoError(t, we.tickets.InsertTicket(context.Background(), &tk))

	// The receiver fails through the whole (one-minute) window.
	t0 := time.Now()
	for _, at := range []time.Duration{0, 30 * time.Second, time.Minute} {
		_, err := we.worker.Step(context.Background(), t0.Add(at))
		require.NoError(t, err)
	}
	var page struct {
		Items []deliveryJSON `json:"items"`
	}
	path := fmt.Sprintf("/v1/webhooks/%d/deliveries?status=dead", w.ID)
	we.json(request{method: "GET", path: path, token: adminToken}, http.StatusOK, &page)
	require.Len(t, page.Items, 1)
	d := page.Items[0]
	assert.Equal(t, "dead", d.Status)
	assert.Equal(t, 3, d.Attempts)
	assert.Equal(t, 500, d.LastStatusCode)
	assert.Contains(t, d.LastError, "down for maintenance")
	assert.Nil(t, d.NextAt)
	assert.Equal(t, "ticket.created", d.EventType)
	assert.Equal(t, tk.Number, d.Payload["ticket"].(map[string]any)["number"], "the admin sees what was not delivered")

	// Fixed; the admin sends it again.
	failing.Store(false)
	retry := fmt.Sprintf("/v1/webhooks/%d/deliveries/%d/retry", w.ID, d.ID)
	var again deliveryJSON
	we.json(request{method: "POST", path: retry, token: adminToken}, http.StatusOK, &again)
	assert.Equal(t, "pending", again.Status)
	require.NotNil(t, again.NextAt)
	rec := we.do(request{method: "POST", path: retry, token: adminToken})
	assert.Equal(t, http.StatusConflict, rec.Code, "a pending delivery is not retried twice")
	res, err := we.worker.Step(context.Background(), time.Now().Add(time.Second))
	require.NoError(t, err)
	assert.Equal(t, 1, res.Delivered)
	we.json(request{method: "GET", path: path, token: adminToken}, http.StatusOK, &page)
	assert.Empty(t, page.Items, "no dead letter left")

	rec = we.do(request{method: "POST", path: fmt.Sprintf("/v1/webhooks/%d/deliveries/999/retry", w.ID), token: adminToken})
	assert.Equal(t, http.StatusNotFound, rec.Code)
}

func TestWebhookRemoval(t *testing.T) {
	we := newWebhookEnv(t)
	w := we.create(t, map[string]any{"url": "https://hooks.example.com/x"})
	path := fmt.Sprintf("/v1/webhooks/%d", w.ID)
	rec := we.do(request{method: "DELETE", path: path, token: adminToken})
	require.Equal(t, http.StatusNoContent, rec.Code)
	rec = we.do(request{method: "DELETE", path: path, token: adminToken})
	assert.Equal(t, http.StatusNoContent, rec.Code, "removing twice is fine")

	var got webhookJSON
	we.json(request{method: "GET", path: path, token: adminToken}, http.StatusOK, &got)
	assert.False(t, got.Active)
	assert.False(t, got.RemovedAt.IsZero())
	var list struct {
		Items []any `json:"items"`
	}
	we.json(request{method: "GET", path: "/v1/webhooks", token: adminToken}, http.StatusOK, &list)
	assert.Empty(t, list.Items)

	rec = we.do(request{method: "DELETE", path: "/v1/webhooks/999", token: adminToken})
	assert.Equal(t, http.StatusNotFound, rec.Code)
	assert.Equal(t, "not_found", decodeError(t, rec).Error.Code)
}
