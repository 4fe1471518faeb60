package llm_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/faqbot/faqbot/internal/llm"
)

var hello = []llm.Message{
	{Role: llm.RoleSystem, Content: "Answer from the FAQ only."},
	{Role: llm.RoleUser, Content: "怎么提现?"},
}

func TestChatSendsRequestAndReadsReply(t *testing.T) {
	tests := []struct {
		name     string
		model    string
		opts     llm.ChatOptions
		wantBody map[string]any
		noKeys   []string
	}{
		{
			name:     "plain",
			model:    "test-chat",
			wantBody: map[string]any{"model": "test-chat", "stream": false},
			noKeys:   []string{"temperature", "max_tokens", "response_format"},
		},
		{
			name:  "options",
			model: "test-chat",
			opts:  llm.ChatOptions{Temperature: 0.25, MaxTokens: 300, JSON: true},
			wantBody: map[string]any{
				"temperature": 0.25, "max_tokens": float64(300),
				"response_format": map[string]any{"type": "json_object"},
			},
		},
		{
			name:     "reasoning model gets max_completion_tokens and no temperature",
			model:    "o3-mini",
			opts:     llm.ChatOptions{Temperature: 0.25, MaxTokens: 300},
			wantBody: map[string]any{"model": "o3-mini", "max_completion_tokens": float64(300)},
			noKeys:   []string{"temperature", "max_tokens"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t, "/v1/chat/completions", func(w http.ResponseWriter, _ *http.Request, _ int) {
				writeJSON(w, http.StatusOK, chatBody("先打开钱包页。", "stop"))
			})
			cfg := testConfig(f.URL)
			cfg.ChatModel = tt.model
			reply, err := newClient(t, cfg).Chat(context.Background(), hello, tt.opts)
			require.NoError(t, err)

			assert.Equal(t, llm.Reply{Content: "先打开钱包页。", FinishReason: "stop", PromptTokens: 11, CompletionTokens: 3}, reply)
			body := f.body(t, 0)
			for k, v := range tt.wantBody {
				assert.Equal(t, v, body[k], "request field %s", k)
			}
			for _, k := range tt.noKeys {
				assert.NotContains(t, body, k)
			}
			assert.Equal(t, []any{
				map[string]any{"role": "system", "content": "Answer from the FAQ only."},
				map[string]any{"role": "user", "content": "怎么提现?"},
			}, body["messages"])
		})
	}
}

func TestChatRejectsBadInputWithoutCallingServer(t *testing.T) {
	tests := []struct {
		name    string
		msgs    []llm.Message
		opts    llm.ChatOptions
		wantMsg string
	}{
		{name: "no messages", wantMsg: "messages: empty"},
		{name: "unknown role", msgs: []llm.Message{{Role: "tool", Content: "x"}}, wantMsg: "messages[0].role"},
		{name: "temperature", msgs: hello, opts: llm.ChatOptions{Temperature: 3}, wantMsg: "temperature"},
		{name: "max tokens", msgs: hello, opts: llm.ChatOptions{MaxTokens: -1}, wantMsg: "max tokens"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t, "/v1/chat/completions", func(w http.ResponseWriter, _ *http.Request, _ int) {
				writeJSON(w, http.StatusOK, chatBody("x", "stop"))
			})
			_, err := newClient(t, testConfig(f.URL)).Chat(context.Background(), tt.msgs, tt.opts)
			require.Error(t, err)
			assert.ErrorIs(t, err, llm.ErrBadRequest)
			assert.Contains(t, err.Error(), tt.wantMsg)
			assert.Zero(t, f.calls.Load())
		})
	}
}

// TestChatFailures covers the retry policy: which failures are retried, how often, and which
// sentinel the caller sees.
func TestChatFailures(t *testing.T) {
	tests := []struct {
		name      string
		handle    handleFunc
		wantErr   []error
		wantCalls int32
		wantReply string
	}{
		{
			name: "500 then success",
			handle: func(w http.ResponseWriter, r *http.Request, n int) {
				if n == 1 {
					apiError(http.StatusInternalServerError, "server_error", "", "boom")(w, r, n)
					return
				}
				writeJSON(w, http.StatusOK, chatBody("ok", "stop"))
			},
			wantCalls: 2, wantReply: "ok",
		},
		{
			name: "502 from a proxy with an HTML body then success",
			handle: func(w http.ResponseWriter, _ *http.Request, n int) {
				if n == 1 {
					w.Header().Set("Content-Type", "text/html")
					w.WriteHeader(http.StatusBadGateway)
					_, _ = w.Write([]byte("<html>bad gateway</html>"))
					return
				}
				writeJSON(w, http.StatusOK, chatBody("ok", "stop"))
			},
			wantCalls: 2, wantReply: "ok",
		},
		{
			name:      "500 forever is bounded",
			handle:    apiError(http.StatusInternalServerError, "server_error", "", "boom"),
			wantErr:   []error{llm.ErrUnavailable},
			wantCalls: 3,
		},
		{
			name:      "400 is not retried",
			handle:    apiError(http.StatusBadRequest, "invalid_request_error", "", "bad messages"),
			wantErr:   []error{llm.ErrBadRequest},
			wantCalls: 1,
		},
		{
			name:      "401 is not retried",
			handle:    apiError(http.StatusUnauthorized, "invalid_request_error", "invalid_api_key", "Incorrect API key"),
			wantErr:   []error{llm.ErrBadRequest},
			wantCalls: 1,
		},
		{
			name:      "spent quota is not retried",
			handle:    apiError(http.StatusTooManyRequests, "insufficient_quota", "insufficient_quota", "You exceeded your quota"),
			wantErr:   []error{llm.ErrBadRequest},
			wantCalls: 1,
		},
		{
			name: "malformed JSON",
			handle: func(w http.ResponseWriter, _ *http.Request, _ int) {
				w.Header().Set("Content-Type", "application/json")
				_, _ = w.Write([]byte(`{"id": "x", "choices": [oops]}`))
			},
			wantErr:   []error{llm.ErrUnavailable, llm.ErrBadResponse},
			wantCalls: 3,
		},
		{
			name: "empty choices",
			handle: func(w http.ResponseWriter, _ *http.Request, _ int) {
				body := chatBody("x", "stop")
				body["choices"] = []any{}
				writeJSON(w, http.StatusOK, body)
			},
			wantErr:   []error{llm.ErrUnavailable, llm.ErrBadResponse},
			wantCalls: 3,
		},
		{
			name:      "a hang times out on every attempt",
			handle:    block,
			wantErr:   []error{llm.ErrUnavailable, llm.ErrTimeout},
			wantCalls: 3,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t, "/v1/chat/completions", tt.handle)
			cfg := testConfig(f.URL)
			cfg.Timeout = 100 * time.Millisecond
			start := time.Now()
			reply, err := newClient(t, cfg).Chat(context.Background(), hello, llm.ChatOptions{})

			assert.Equal(t, tt.wantCalls, f.calls.Load())
			assert.Less(t, time.Since(start), 2*time.Second)
			if tt.wantErr == nil {
				require.NoError(t, err)
				assert.Equal(t, tt.wantReply, reply.Content)
				return
			}
			require.Error(t, err)
			for _, want := range tt.wantErr {
				assert.ErrorIs(t, err, want)
			}
			assert.NotContains(t, err.Error(), testKey)
		})
	}
}

func TestChatHonoursRetryAfter(t *testing.T) {
	tests := []struct {
		name    string
		header  string
		value   string
		minWait time.Duration
	}{
		// Backoff alone would wait at most 1 ms here.
		{name: "seconds, capped by BackoffMax", header: "Retry-After", value: "1", minWait: 80 * time.Millisecond},
		{name: "milliseconds", header: "retry-after-ms", value: "60", minWait: 60 * time.Millisecond},
		{name: "HTTP date, capped", header: "Retry-After", value: time.Now().Add(time.Hour).UTC().Format(http.TimeFormat), minWait: 80 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t, "/v1/chat/completions", func(w http.ResponseWriter, r *http.Request, n int) {
				if n == 1 {
					w.Header().Set(tt.header, tt.value)
					apiError(http.StatusTooManyRequests, "requests", "rate_limit_exceeded", "slow down")(w, r, n)
					return
				}
				writeJSON(w, http.StatusOK, chatBody("ok", "stop"))
			})
			cfg := testConfig(f.URL)
			cfg.BackoffBase = time.Millisecond
			cfg.BackoffMax = 80 * time.Millisecond
			start := time.Now()
			reply, err := newClient(t, cfg).Chat(context.Background(), hello, llm.ChatOptions{})
			elapsed := time.Since(start)

			require.NoError(t, err)
			assert.Equal(t, "ok", reply.Content)
			assert.Equal(t, int32(2), f.calls.Load())
			assert.GreaterOrEqual(t, elapsed, tt.minWait)
			assert.Less(t, elapsed, time.Second, "Retry-After must be capped")
		})
	}
}

func TestChatStopsWhenCallerGivesUp(t *testing.T) {
	tests := []struct {
		name    string
		ctx     func() (context.Context, context.CancelFunc)
		wantErr error
	}{
		{
			name: "deadline",
			ctx: func() (context.Context, context.CancelFunc) {
				return context.WithTimeout(context.Background(), 50*time.Millisecond)
			},
			wantErr: llm.ErrTimeout,
		},
		{
			name: "cancel",
			ctx: func() (context.Context, context.CancelFunc) {
				ctx, cancel := context.WithCancel(context.Background())
				time.AfterFunc(50*time.Millisecond, cancel)
				return ctx, cancel
			},
			wantErr: context.Canceled,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t, "/v1/chat/completions", block)
			cfg := testConfig(f.URL)
			cfg.Timeout = 5 * time.Second
			ctx, cancel := tt.ctx()
			defer cancel()
			start := time.Now()
			_, err := newClient(t, cfg).Chat(ctx, hello, llm.ChatOptions{})

			assert.ErrorIs(t, err, tt.wantErr)
			assert.Equal(t, int32(1), f.calls.Load(), "the caller's own deadline is not retried")
			assert.Less(t, time.Since(start), time.Second)
		})
	}
}
