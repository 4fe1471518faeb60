package bot_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/faqbot/faqbot/bot"
	botmemory "github.com/faqbot/faqbot/bot/memory"
	handoffmemory "github.com/faqbot/faqbot/handoff/memory"
	"github.com/faqbot/faqbot/internal/llm"
	"github.com/faqbot/faqbot/knowledge"
)

// The helpers of this file fake an OpenAI-compatible server with the real wire format, so the
// LLM answerer and condenser are tested through the real internal/llm client.

// oaiHandler answers one chat request; call counts from 1 and body is the decoded request.
type oaiHandler func(w http.ResponseWriter, r *http.Request, call int, body oaiRequest)

type oaiRequest struct {
	Model    string `json:"model"`
	Stream   bool   `json:"stream"`
	Messages []struct {
		Role    string `json:"role"`
		Content string `json:"content"`
	} `json:"messages"`
}

// content returns the message of the given role, or "".
func (r oaiRequest) content(role string) string {
	for _, m := range r.Messages {
		if m.Role == role {
			return m.Content
		}
	}
	return ""
}

type oaiFake struct {
	srv   *httptest.Server
	calls atomic.Int32
	mu    sync.Mutex
	reqs  []oaiRequest
}

func newOAIFake(t *testing.T, handle oaiHandler) *oaiFake {
	t.Helper()
	f := &oaiFake{}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := int(f.calls.Add(1))
		if r.URL.Path != "/v1/chat/completions" {
			http.Error(w, "unexpected path "+r.URL.Path, http.StatusTeapot)
			return
		}
		var body oaiRequest
		raw, _ := io.ReadAll(r.Body)
		if err := json.Unmarshal(raw, &body); err != nil {
			http.Error(w, "body is not JSON", http.StatusTeapot)
			return
		}
		f.mu.Lock()
		f.reqs = append(f.reqs, body)
		f.mu.Unlock()
		handle(w, r, n, body)
	}))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *oaiFake) requests() []oaiRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]oaiRequest(nil), f.reqs...)
}

// client talks to the fake with waits small enough for a fast suite: 150 ms of silence is a
// timeout, two retries with millisecond backoff, and no circuit breaker to carry state
// between cases.
func (f *oaiFake) client() *llm.Client {
	return llm.New(llm.Config{
		APIKey:          "sk-test",
		BaseURL:         f.srv.URL + "/v1",
		ChatModel:       "test-chat",
		Timeout:         150 * time.Millisecond,
		MaxRetries:      2,
		BreakerFailures: -1,
		BackoffBase:     time.Millisecond,
		BackoffMax:      5 * time.Millisecond,
	}, nil)
}

func oaiJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// oaiReply answers a non-streaming request with content.
func oaiReply(content string) oaiHandler {
	return func(w http.ResponseWriter, _ *http.Request, _ int, _ oaiRequest) {
		oaiJSON(w, http.StatusOK, map[string]any{
			"id": "chatcmpl-1", "object": "chat.completion", "created": 1700000000, "model": "test-chat",
			"choices": []any{map[string]any{"index": 0, "finish_reason": "stop",
				"message": map[string]any{"role": "assistant", "content": content}}},
			"usage": map[string]any{"prompt_tokens": 100, "completion_tokens": 20, "total_tokens": 120},
		})
	}
}

// oaiStream answers a streaming request with one chunk per delta, then stop and [DONE].
func oaiStream(deltas ...string) oaiHandler {
	return func(w http.ResponseWriter, _ *http.Request, _ int, _ oaiRequest) {
		oaiStartStream(w)
		for _, d := range deltas {
			oaiEvent(w, oaiChunk(d, ""))
		}
		oaiEvent(w, oaiChunk("", "stop"))
		oaiEvent(w, "[DONE]")
	}
}

func oaiError(status int, typ string) oaiHandler {
	return func(w http.ResponseWriter, _ *http.Request, _ int, _ oaiRequest) {
		oaiJSON(w, status, map[string]any{"error": map[string]any{"message": "fake " + typ, "type": typ, "param": nil, "code": nil}})
	}
}

// oaiSequence answers call n with handlers[n-1], and the last handler for any later call.
func oaiSequence(handlers ...oaiHandler) oaiHandler {
	return func(w http.ResponseWriter, r *http.Request, call int, body oaiRequest) {
		handlers[min(call, len(handlers))-1](w, r, call, body)
	}
}

// oaiHang holds the request until the client gives up.
func oaiHang(_ http.ResponseWriter, r *http.Request, _ int, _ oaiRequest) { <-r.Context().Done() }

func oaiStartStream(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "text/event-stream")
	w.WriteHeader(http.StatusOK)
	w.(http.Flusher).Flush()
}

func oaiEvent(w http.ResponseWriter, data string) {
	_, _ = fmt.Fprintf(w, "data: %s\n\n", data)
	w.(http.Flusher).Flush()
}

func oaiChunk(content, finish string) string {
	choice := map[string]any{"index": 0, "delta": map[string]any{"content": content}, "finish_reason": nil}
	if finish != "" {
		choice["finish_reason"] = finish
	}
	b, _ := json.Marshal(map[string]any{"id": "chatcmpl-1", "object": "chat.completion.chunk",
		"created": 1700000000, "model": "test-chat", "choices": []any{choice}})
	return string(b)
}

// oaiHangUp drops the connection in the middle of a response.
func oaiHangUp(w http.ResponseWriter) {
	conn, _, err := w.(http.Hijacker).Hijack()
	if err == nil {
		_ = conn.Close()
	}
}

// fixedRetriever returns the same confident result for every question and records the
// questions it was asked.
type fixedRetriever struct {
	mu      sync.Mutex
	res     knowledge.SearchResult
	queries []string
}

func (r *fixedRetriever) Search(_ context.Context, req knowledge.SearchRequest) (knowledge.SearchResult, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.queries = append(r.queries, req.Query)
	return r.res, nil
}

func (r *fixedRetriever) asked() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.queries...)
}

// refundArticles are three published articles, best first.
func refundArticles() []knowledge.Article {
	return []knowledge.Article{
		{ID: 11, Title: "Refunds", Question: "How do I get a refund?", Language: "en", Category: "payment",
			Answer: "Open Wallet > Orders, choose the order and tap Request refund. Refunds arrive in 3 working days."},
		{ID: 22, Title: "Coin refunds", Question: "Can I get a refund for coins?", Language: "en", Category: "payment",
			Answer: "Unused coins bought in the last 7 days can be refunded from Wallet > Coins > Refund."},
		{ID: 33, Title: "Withdrawals", Question: "How long does a withdrawal take?", Language: "en", Category: "payment",
			Answer: "Withdrawals arrive in 1-3 working days."},
	}
}

// llmEngine runs the real engine over the memory stores, with a retriever that is always
// confident about arts.
func llmEngine(t *testing.T, arts []knowledge.Article, deps bot.Deps) (*bot.Engine, *fixedRetriever) {
	t.Helper()
	res := knowledge.SearchResult{Language: "en", Confidence: 0.95}
	for i, a := range arts {
		a.Status = knowledge.StatusPublished
		res.Candidates = append(res.Candidates, knowledge.Candidate{Article: a, Score: 1 - float64(i)/10})
	}
	ret := &fixedRetriever{res: res}
	tickets := handoffmemory.New()
	deps.Store, deps.Tickets, deps.Retriever = botmemory.New(tickets), tickets, ret
	return bot.NewEngine(bot.DefaultConfig(), deps), ret
}

func llmStart(t *testing.T, e *bot.Engine) bot.Conversation {
	t.Helper()
	c, err := e.Start(context.Background(), "user-1", "")
	require.NoError(t, err)
	return c
}
