package llm_test

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/faqbot/faqbot/internal/llm"
)

func TestChatStream(t *testing.T) {
	errClientGone := errors.New("client went away")
	tests := []struct {
		name        string
		handle      handleFunc
		failOnDelta int // onDelta returns errClientGone on this delta (1-based); 0 never
		wantDeltas  []string
		wantReply   llm.Reply
		wantErr     []error
		wantCalls   int32
	}{
		{
			name: "normal, with a usage chunk that has no choices",
			handle: func(w http.ResponseWriter, _ *http.Request, _ int) {
				startStream(w)
				sse(w, `{"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]}`)
				sse(w, chunk("Open ", ""))
				sse(w, chunk("the wallet.", ""))
				sse(w, chunk("", "stop"))
				sse(w, `{"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[],"usage":{"prompt_tokens":9,"completion_tokens":4,"total_tokens":13}}`)
				sse(w, "[DONE]")
			},
			wantDeltas: []string{"Open ", "the wallet."},
			wantReply:  llm.Reply{Content: "Open the wallet.", FinishReason: "stop", PromptTokens: 9, CompletionTokens: 4},
			wantCalls:  1,
		},
		{
			name: "500 before the first delta is retried",
			handle: func(w http.ResponseWriter, r *http.Request, n int) {
				if n == 1 {
					apiError(http.StatusServiceUnavailable, "server_error", "", "overloaded")(w, r, n)
					return
				}
				startStream(w)
				sse(w, chunk("你好", "stop"))
				sse(w, "[DONE]")
			},
			wantDeltas: []string{"你好"},
			wantReply:  llm.Reply{Content: "你好", FinishReason: "stop"},
			wantCalls:  2,
		},
		{
			name: "connection dropped mid-way returns what arrived and is not retried",
			handle: func(w http.ResponseWriter, _ *http.Request, _ int) {
				startStream(w)
				sse(w, chunk("Part one, ", ""))
				hangUp(w)
			},
			wantDeltas: []string{"Part one, "},
			wantReply:  llm.Reply{Content: "Part one, "},
			wantErr:    []error{llm.ErrUnavailable},
			wantCalls:  1,
		},
		{
			name: "clean close without finish reason counts as cut",
			handle: func(w http.ResponseWriter, _ *http.Request, _ int) {
				startStream(w)
				sse(w, chunk("Part one, ", ""))
			},
			wantDeltas: []string{"Part one, "},
			wantReply:  llm.Reply{Content: "Part one, "},
			wantErr:    []error{llm.ErrUnavailable, llm.ErrBadResponse},
			wantCalls:  1,
		},
		{
			name: "error frame mid-way",
			handle: func(w http.ResponseWriter, _ *http.Request, _ int) {
				startStream(w)
				sse(w, chunk("Part one, ", ""))
				sse(w, `{"error":{"message":"model crashed","type":"server_error"}}`)
			},
			wantDeltas: []string{"Part one, "},
			wantReply:  llm.Reply{Content: "Part one, "},
			wantErr:    []error{llm.ErrUnavailable},
			wantCalls:  1,
		},
		{
			name: "silence after a delta times out",
			handle: func(w http.ResponseWriter, r *http.Request, _ int) {
				startStream(w)
				sse(w, chunk("Part one, ", ""))
				<-r.Context().Done()
			},
			wantDeltas: []string{"Part one, "},
			wantReply:  llm.Reply{Content: "Part one, "},
			wantErr:    []error{llm.ErrUnavailable, llm.ErrTimeout},
			wantCalls:  1,
		},
		{
			name:      "silence before the first delta is retried, then times out",
			handle:    block,
			wantErr:   []error{llm.ErrUnavailable, llm.ErrTimeout},
			wantCalls: 3,
		},
		{
			name: "a slow but live stream is not cut",
			handle: func(w http.ResponseWriter, _ *http.Request, _ int) {
				startStream(w)
				for range 4 {
					time.Sleep(60 * time.Millisecond) // each gap < Timeout, the total > Timeout
					sse(w, chunk("x", ""))
				}
				sse(w, chunk("", "length"))
				sse(w, "[DONE]")
			},
			wantDeltas: []string{"x", "x", "x", "x"},
			wantReply:  llm.Reply{Content: "xxxx", FinishReason: "length"},
			wantCalls:  1,
		},
		{
			name:      "400 is not retried",
			handle:    apiError(http.StatusBadRequest, "invalid_request_error", "", "bad"),
			wantErr:   []error{llm.ErrBadRequest},
			wantCalls: 1,
		},
		{
			name: "the caller's error stops the stream",
			handle: func(w http.ResponseWriter, _ *http.Request, _ int) {
				startStream(w)
				sse(w, chunk("one ", ""))
				sse(w, chunk("two ", ""))
				sse(w, chunk("three", "stop"))
				sse(w, "[DONE]")
			},
			failOnDelta: 2,
			wantDeltas:  []string{"one ", "two "},
			wantReply:   llm.Reply{Content: "one two "},
			wantErr:     []error{errClientGone},
			wantCalls:   1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t, "/v1/chat/completions", tt.handle)
			cfg := testConfig(f.URL)
			cfg.Timeout = 150 * time.Millisecond
			var deltas []string
			reply, err := newClient(t, cfg).ChatStream(context.Background(), hello, llm.ChatOptions{}, func(d string) error {
				deltas = append(deltas, d)
				if len(deltas) == tt.failOnDelta {
					return errClientGone
				}
				return nil
			})

			assert.Equal(t, tt.wantDeltas, deltas)
			assert.Equal(t, tt.wantReply, reply)
			assert.Equal(t, tt.wantCalls, f.calls.Load())
			assert.Equal(t, true, f.body(t, 0)["stream"])
			if tt.wantErr == nil {
				require.NoError(t, err)
				return
			}
			require.Error(t, err)
			for _, want := range tt.wantErr {
				assert.ErrorIs(t, err, want)
			}
		})
	}
}

func TestChatStreamSlowReaderIsNotTheServersFault(t *testing.T) {
	f := newFake(t, "/v1/chat/completions", func(w http.ResponseWriter, _ *http.Request, _ int) {
		startStream(w)
		sse(w, chunk("one ", ""))
		sse(w, chunk("two", "stop"))
		sse(w, "[DONE]")
	})
	cfg := testConfig(f.URL)
	cfg.Timeout = 50 * time.Millisecond
	reply, err := newClient(t, cfg).ChatStream(context.Background(), hello, llm.ChatOptions{}, func(string) error {
		time.Sleep(80 * time.Millisecond) // longer than Timeout
		return nil
	})
	require.NoError(t, err)
	assert.Equal(t, "one two", reply.Content)
}
