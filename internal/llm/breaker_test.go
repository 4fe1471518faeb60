package llm_test

import (
	"context"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/faqbot/faqbot/internal/llm"
)

// TestBreaker walks one client through an outage: bounded retries, the circuit opening, fast
// failures that never reach the server (for embeddings too), a failed half-open probe, and
// recovery.
func TestBreaker(t *testing.T) {
	var healthy atomic.Bool
	f := newFake(t, "/v1/chat/completions", func(w http.ResponseWriter, r *http.Request, n int) {
		if !healthy.Load() {
			apiError(http.StatusInternalServerError, "server_error", "", "down")(w, r, n)
			return
		}
		writeJSON(w, http.StatusOK, chatBody("back", "stop"))
	})
	const cooldown = 100 * time.Millisecond
	cfg := testConfig(f.URL)
	cfg.MaxRetries = 2
	cfg.BreakerFailures = 3
	cfg.BreakerCooldown = cooldown
	c := newClient(t, cfg)
	ctx := context.Background()

	_, err := c.Chat(ctx, hello, llm.ChatOptions{})
	require.ErrorIs(t, err, llm.ErrUnavailable)
	require.Equal(t, int32(3), f.calls.Load(), "1 attempt + MaxRetries, then the circuit opens")

	start := time.Now()
	_, err = c.Chat(ctx, hello, llm.ChatOptions{})
	assert.ErrorIs(t, err, llm.ErrUnavailable)
	assert.Contains(t, err.Error(), "circuit open")
	_, err = c.Embedder().Embed(ctx, []string{"shared breaker"})
	assert.ErrorIs(t, err, llm.ErrUnavailable, "embeddings share the circuit")
	assert.Less(t, time.Since(start), 100*time.Millisecond, "an open circuit fails fast")
	assert.Equal(t, int32(3), f.calls.Load(), "an open circuit does not call the server")

	time.Sleep(cooldown + 10*time.Millisecond)
	_, err = c.Chat(ctx, hello, llm.ChatOptions{})
	assert.ErrorIs(t, err, llm.ErrUnavailable)
	assert.Equal(t, int32(4), f.calls.Load(), "half-open lets exactly one probe through; its failure reopens")

	_, err = c.Chat(ctx, hello, llm.ChatOptions{})
	assert.ErrorIs(t, err, llm.ErrUnavailable)
	assert.Equal(t, int32(4), f.calls.Load(), "reopened")

	healthy.Store(true)
	time.Sleep(cooldown + 10*time.Millisecond)
	reply, err := c.Chat(ctx, hello, llm.ChatOptions{})
	require.NoError(t, err)
	assert.Equal(t, "back", reply.Content)
	_, err = c.Chat(ctx, hello, llm.ChatOptions{})
	require.NoError(t, err, "a successful probe closes the circuit")
	assert.Equal(t, int32(6), f.calls.Load())
}

func TestBreakerIgnoresRefusedRequests(t *testing.T) {
	f := newFake(t, "/v1/chat/completions", apiError(http.StatusBadRequest, "invalid_request_error", "", "bad"))
	cfg := testConfig(f.URL)
	cfg.BreakerFailures = 2
	c := newClient(t, cfg)
	for range 4 {
		_, err := c.Chat(context.Background(), hello, llm.ChatOptions{})
		assert.ErrorIs(t, err, llm.ErrBadRequest)
		assert.NotErrorIs(t, err, llm.ErrUnavailable)
	}
	assert.Equal(t, int32(4), f.calls.Load(), "a server that answers 400 is up")
}
