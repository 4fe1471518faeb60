package api_test

import (
	"context"
	"errors"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/faqbot/faqbot/api"
	"github.com/faqbot/faqbot/knowledge"
	"github.com/faqbot/faqbot/knowledge/memory"
)

func TestProbes(t *testing.T) {
	var down error
	e := newEnv(t, func(_ *api.Config, d *api.Deps) {
		d.Ready = func(ctx context.Context) error {
			_, ok := ctx.Deadline()
			require.True(t, ok, "a probe is bounded")
			return down
		}
	})
	var status struct{ Status string }
	e.json(request{method: "GET", path: "/healthz"}, http.StatusOK, &status)
	assert.Equal(t, "ok", status.Status)
	e.json(request{method: "GET", path: "/readyz"}, http.StatusOK, &status)
	assert.Equal(t, "ready", status.Status)

	down = errors.New("database: connection refused")
	rec := e.do(request{method: "GET", path: "/readyz"})
	require.Equal(t, http.StatusServiceUnavailable, rec.Code)
	got := decodeError(t, rec)
	assert.Equal(t, "unavailable", got.Error.Code)
	assert.Contains(t, got.Error.Message, "database: connection refused", "the reason is shown")
	e.json(request{method: "GET", path: "/healthz"}, http.StatusOK, nil)
}

func TestMetricsUseRouteTemplates(t *testing.T) {
	reg := prometheus.NewRegistry()
	e := newEnv(t, func(_ *api.Config, d *api.Deps) { d.Registry = reg })
	a := e.createArticle(published("q", "a", "en"))
	e.json(request{method: "GET", path: "/v1/articles/" + itoa(a.ID), token: e.editor}, http.StatusOK, nil)
	e.json(request{method: "GET", path: "/v1/articles/987654", token: e.editor}, http.StatusNotFound, nil)
	e.json(request{method: "GET", path: "/no/such/path/12345"}, http.StatusNotFound, nil)

	rec := e.do(request{method: "GET", path: "/metrics"})
	require.Equal(t, http.StatusOK, rec.Code)
	body := rec.Body.String()
	assert.Contains(t, body, `faqbot_http_requests_total{method="GET",route="/v1/articles/:id",status="200"} 1`)
	assert.Contains(t, body, `faqbot_http_requests_total{method="GET",route="/v1/articles/:id",status="404"} 1`)
	assert.Contains(t, body, `faqbot_http_requests_total{method="POST",route="/v1/articles",status="201"} 1`)
	assert.Contains(t, body, `faqbot_http_requests_total{method="GET",route="unmatched",status="404"} 1`)
	assert.Contains(t, body, `faqbot_http_request_duration_seconds_bucket{method="GET",route="/v1/articles/:id",status="200",le="+Inf"} 1`)
	assert.NotContains(t, body, "987654", "raw paths never become labels")
	assert.NotContains(t, body, "/no/such/path")

	// A second server on the same registry shares the metrics instead of panicking.
	again := newEnv(t, func(_ *api.Config, d *api.Deps) { d.Registry = reg })
	again.json(request{method: "GET", path: "/healthz"}, http.StatusOK, nil)
	assert.Contains(t, again.do(request{method: "GET", path: "/metrics"}).Body.String(), `route="/healthz"`)
}

func TestDefaultRegistryHasRuntimeMetrics(t *testing.T) {
	e := newEnv(t)
	body := e.do(request{method: "GET", path: "/metrics"}).Body.String()
	assert.Contains(t, body, "go_goroutines")
}

func TestRequestIDs(t *testing.T) {
	e := newEnv(t)
	rec := e.do(request{method: "GET", path: "/healthz"})
	generated := rec.Header().Get("X-Request-Id")
	assert.Regexp(t, regexp.MustCompile(`^[0-9a-f]{24}$`), generated)
	assert.NotEqual(t, generated, e.do(request{method: "GET", path: "/healthz"}).Header().Get("X-Request-Id"))

	rec = e.do(request{method: "GET", path: "/healthz", header: http.Header{"X-Request-Id": {"trace-abc-123"}}})
	assert.Equal(t, "trace-abc-123", rec.Header().Get("X-Request-Id"), "a sane caller id is kept")
	for _, bad := range []string{"short", "has spaces in it", strings.Repeat("x", 65), "line\nbreak-injection"} {
		rec = e.do(request{method: "GET", path: "/healthz", header: http.Header{"X-Request-Id": {bad}}})
		assert.NotEqual(t, bad, rec.Header().Get("X-Request-Id"), "%q is replaced", bad)
	}
}

// failingStore breaks the way a database does, to see what clients and logs get.
type failingStore struct {
	knowledge.Store
	err   error
	panic bool
	slow  bool
}

func (s failingStore) GetArticle(ctx context.Context, id int64) (knowledge.Article, error) {
	switch {
	case s.panic:
		panic("index out of range in the store")
	case s.slow:
		<-ctx.Done()
		return knowledge.Article{}, ctx.Err()
	}
	return knowledge.Article{}, s.err
}

func TestInternalErrorsAreLoggedOnceAndHidden(t *testing.T) {
	tests := []struct {
		name   string
		store  failingStore
		secret string
	}{
		{"error", failingStore{err: errors.New("pq: password authentication failed for user faqbot")}, "password authentication"},
		{"panic", failingStore{panic: true}, "index out of range"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.store.Store = memory.New()
			e := newEnvWithStore(t, tt.store)
			rec := e.do(request{method: "GET", path: "/v1/articles/1", token: e.editor})
			require.Equal(t, http.StatusInternalServerError, rec.Code)
			got := decodeError(t, rec)
			assert.Equal(t, "internal", got.Error.Code)
			assert.Contains(t, got.Error.Message, "internal error")
			assert.NotContains(t, rec.Body.String(), tt.secret, "the cause stays in the log")
			require.NotEmpty(t, got.Error.RequestID)

			logged := e.logs.records("internal error")
			require.Len(t, logged, 1, "logged once: %s", e.logs.String())
			assert.Equal(t, got.Error.RequestID, logged[0]["request_id"])
			assert.Contains(t, logged[0]["error"], tt.secret)
			assert.Equal(t, "/v1/articles/:id", logged[0]["route"])
			assert.Equal(t, 1, strings.Count(e.logs.String(), tt.secret), "the cause appears once in the log")

			requests := e.logs.records("request")
			require.NotEmpty(t, requests)
			last := requests[len(requests)-1]
			assert.EqualValues(t, 500, last["status"], "the access log sees the status the client got")
			assert.Equal(t, got.Error.RequestID, last["request_id"])
			assert.Equal(t, "editor", last["role"], "the access log says who called")
		})
	}
}

func TestRequestTimeout(t *testing.T) {
	e := newEnvWithStore(t, failingStore{Store: memory.New(), slow: true}, func(c *api.Config, _ *api.Deps) {
		c.RequestTimeout = 50 * time.Millisecond
	})
	start := time.Now()
	rec := e.do(request{method: "GET", path: "/v1/articles/1", token: e.editor})
	assert.Less(t, time.Since(start), 5*time.Second)
	require.Equal(t, http.StatusServiceUnavailable, rec.Code, rec.Body.String())
	assert.Equal(t, "timeout", decodeError(t, rec).Error.Code)
	assert.Empty(t, e.logs.records("internal error"), "a timeout is not a bug")
}

func TestClientGoneAway(t *testing.T) {
	e := newEnvWithStore(t, failingStore{Store: memory.New(), slow: true})
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(20*time.Millisecond, cancel)
	rec := e.do(request{method: "GET", path: "/v1/articles/1", token: e.editor, ctx: ctx})
	assert.Equal(t, 499, rec.Code, "logged and counted as the client's doing")
	assert.Empty(t, e.logs.records("internal error"), "a client hanging up is not a bug")
}

func TestUnknownRoutesAndMethods(t *testing.T) {
	e := newEnv(t)
	rec := e.do(request{method: "GET", path: "/v1/nothing-here"})
	require.Equal(t, http.StatusNotFound, rec.Code, "an unknown path is 404 even without a token")
	assert.Equal(t, "not_found", decodeError(t, rec).Error.Code)

	rec = e.do(request{method: "PATCH", path: "/v1/articles/1", token: e.editor})
	require.Equal(t, http.StatusMethodNotAllowed, rec.Code)
	assert.Equal(t, "method_not_allowed", decodeError(t, rec).Error.Code)
}

func TestRateLimit(t *testing.T) {
	limited := func(trust bool) *env {
		return newEnv(t, func(c *api.Config, _ *api.Deps) {
			c.RateLimit, c.RateBurst, c.TrustProxy = 0.5, 2, trust
		})
	}
	xff := func(ip string) http.Header { return http.Header{"X-Forwarded-For": {ip}} }

	t.Run("per client", func(t *testing.T) {
		e := limited(false)
		for i := range 2 {
			rec := e.do(request{method: "GET", path: "/openapi.yaml", remoteAddr: "192.0.2.1:1000"})
			require.Equal(t, http.StatusOK, rec.Code, "request %d is within the burst", i)
		}
		rec := e.do(request{method: "GET", path: "/openapi.yaml", remoteAddr: "192.0.2.1:1001"})
		require.Equal(t, http.StatusTooManyRequests, rec.Code)
		assert.Equal(t, "2", rec.Header().Get("Retry-After"), "one token every 2 s")
		got := decodeError(t, rec)
		assert.Equal(t, "rate_limited", got.Error.Code)
		assert.Contains(t, got.Error.Message, "retry after 2 s")

		assert.Equal(t, http.StatusOK, e.do(request{method: "GET", path: "/openapi.yaml", remoteAddr: "192.0.2.2:1000"}).Code, "another client has its own bucket")
		assert.Equal(t, http.StatusOK, e.do(request{method: "GET", path: "/healthz", remoteAddr: "192.0.2.1:1000"}).Code, "probes are not limited")
	})

	t.Run("X-Forwarded-For is not trusted by default", func(t *testing.T) {
		e := limited(false)
		for i := range 3 {
			rec := e.do(request{method: "GET", path: "/openapi.yaml", remoteAddr: "127.0.0.1:1000", header: xff("203.0.113." + itoa(int64(i+1)))})
			if i < 2 {
				require.Equal(t, http.StatusOK, rec.Code)
			} else {
				assert.Equal(t, http.StatusTooManyRequests, rec.Code, "a forged header does not buy a new bucket")
			}
		}
	})

	t.Run("X-Forwarded-For from a trusted proxy", func(t *testing.T) {
		e := limited(true)
		for i := range 3 {
			rec := e.do(request{method: "GET", path: "/openapi.yaml", remoteAddr: "127.0.0.1:1000", header: xff("203.0.113." + itoa(int64(i+1)))})
			assert.Equal(t, http.StatusOK, rec.Code, "each client behind the proxy has its own bucket")
		}
	})
}

func TestConfigDefaults(t *testing.T) {
	// Zero values must give a working server with the documented limits.
	e := newEnv(t, func(c *api.Config, _ *api.Deps) { *c = api.Config{} })
	rec := e.do(request{method: "POST", path: "/v1/search", token: e.editor, body: `{"query":"` + strings.Repeat("a", api.DefaultMaxBodyBytes) + `"}`})
	assert.Equal(t, http.StatusRequestEntityTooLarge, rec.Code)
	for range 30 {
		rec = e.do(request{method: "GET", path: "/openapi.yaml"})
		require.Equal(t, http.StatusOK, rec.Code, "the default burst allows a page's worth of requests")
	}
}

func TestWithoutAuthService(t *testing.T) {
	// Without Deps.Auth, the configured admin token still works.
	e := newEnv(t, func(c *api.Config, d *api.Deps) { c.AdminToken, d.Auth = "another-admin-token-0123456789", nil })
	e.json(request{method: "GET", path: "/v1/tokens", token: "another-admin-token-0123456789"}, http.StatusOK, nil)
	e.json(request{method: "GET", path: "/v1/tokens", token: adminToken}, http.StatusUnauthorized, nil)
}
