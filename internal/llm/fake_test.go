package llm_test

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/faqbot/faqbot/internal/llm"
)

const testKey = "sk-test-secret-key-1234"

// fakeServer speaks the OpenAI wire format. Each request is counted and handed to handle
// with its 1-based number, after the common checks every real server would make.
type fakeServer struct {
	*httptest.Server
	calls  atomic.Int32
	mu     sync.Mutex
	bodies []map[string]any
}

type handleFunc func(w http.ResponseWriter, r *http.Request, call int)

func newFake(t *testing.T, wantPath string, handle handleFunc) *fakeServer {
	t.Helper()
	f := &fakeServer{}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := int(f.calls.Add(1))
		if r.Method != http.MethodPost || r.URL.Path != wantPath || r.Header.Get("Authorization") != "Bearer "+testKey {
			http.Error(w, fmt.Sprintf("unexpected %s %s", r.Method, r.URL.Path), http.StatusTeapot)
			return
		}
		raw, _ := io.ReadAll(r.Body)
		var body map[string]any
		if err := json.Unmarshal(raw, &body); err != nil {
			http.Error(w, "body is not JSON", http.StatusTeapot)
			return
		}
		f.mu.Lock()
		f.bodies = append(f.bodies, body)
		f.mu.Unlock()
		handle(w, r, n)
	}))
	t.Cleanup(f.Close)
	return f
}

func (f *fakeServer) body(t *testing.T, i int) map[string]any {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	require.Greater(t, len(f.bodies), i, "request %d was not received", i)
	return f.bodies[i]
}

// testConfig keeps every wait tiny so the suite stays fast; the breaker is effectively off
// unless a test turns it on.
func testConfig(url string) llm.Config {
	return llm.Config{
		APIKey:          testKey,
		BaseURL:         url + "/v1",
		ChatModel:       "test-chat",
		EmbeddingModel:  "test-embed",
		Timeout:         time.Second,
		MaxRetries:      2,
		BreakerFailures: 1000,
		BreakerCooldown: time.Minute,
		BackoffBase:     time.Millisecond,
		BackoffMax:      5 * time.Millisecond,
	}
}

func newClient(t *testing.T, cfg llm.Config) *llm.Client {
	t.Helper()
	return llm.New(cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func chatBody(content, finish string) map[string]any {
	return map[string]any{
		"id": "chatcmpl-1", "object": "chat.completion", "created": 1700000000, "model": "test-chat",
		"choices": []any{map[string]any{
			"index":         0,
			"message":       map[string]any{"role": "assistant", "content": content},
			"finish_reason": finish,
		}},
		"usage": map[string]any{"prompt_tokens": 11, "completion_tokens": 3, "total_tokens": 14},
	}
}

func apiError(status int, typ, code, msg string) handleFunc {
	return func(w http.ResponseWriter, _ *http.Request, _ int) {
		e := map[string]any{"message": msg, "type": typ, "param": nil, "code": nil}
		if code != "" {
			e["code"] = code
		}
		writeJSON(w, status, map[string]any{"error": e})
	}
}

// sse writes one server-sent event frame and flushes it, as a streaming server does.
func sse(w http.ResponseWriter, data string) {
	_, _ = fmt.Fprintf(w, "data: %s\n\n", data)
	w.(http.Flusher).Flush()
}

func startStream(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "text/event-stream")
	w.WriteHeader(http.StatusOK)
	w.(http.Flusher).Flush()
}

func chunk(content, finish string) string {
	choice := map[string]any{"index": 0, "delta": map[string]any{"content": content}, "finish_reason": nil}
	if finish != "" {
		choice["finish_reason"] = finish
	}
	b, _ := json.Marshal(map[string]any{
		"id": "chatcmpl-1", "object": "chat.completion.chunk", "created": 1700000000, "model": "test-chat",
		"choices": []any{choice},
	})
	return string(b)
}

// hangUp drops the connection without ending the chunked body, as a crashed server or a
// broken network does.
func hangUp(w http.ResponseWriter) {
	conn, _, err := w.(http.Hijacker).Hijack()
	if err == nil {
		_ = conn.Close()
	}
}

// block holds a request until the client gives up.
func block(_ http.ResponseWriter, r *http.Request, _ int) { <-r.Context().Done() }
