package api_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/faqbot/faqbot/bot"
	"github.com/faqbot/faqbot/internal/llm"
)

// benchFirstSentence is the fake model's first content chunk. It is a whole sentence because
// the LLM answerer holds back the start of a reply while it could still turn out to be the
// NO_ANSWER marker; a sentence that cannot is passed on at once, so the measured time is the
// relay's, not the hold-back's.
const benchFirstSentence = "Open Settings, pick the item in the list and follow the steps on the screen. "

var benchRestOfAnswer = []string{"The change shows ", "within a few minutes [1]."}

// benchFakeLLM is an OpenAI-compatible chat server speaking the real streaming wire format
// (`data: {chunk}` frames, a finish reason, then `data: [DONE]`). After flushing the first
// content chunk it notes the time on sent and waits, like a model between tokens, until the
// client saw that chunk (ack) or a second passed.
type benchFakeLLM struct {
	srv  *httptest.Server
	sent chan time.Time
	ack  chan struct{}
}

func newBenchFakeLLM(b *testing.B) *benchFakeLLM {
	f := &benchFakeLLM{sent: make(chan time.Time, 1), ack: make(chan struct{}, 1)}
	f.srv = httptest.NewServer(http.HandlerFunc(f.handle))
	b.Cleanup(f.srv.Close)
	return f
}

func (f *benchFakeLLM) client() *llm.Client {
	return llm.New(llm.Config{APIKey: "sk-bench", BaseURL: f.srv.URL + "/v1", ChatModel: "bench-chat"}, nil)
}

func benchChunk(delta map[string]string, finish any) []byte {
	raw, _ := json.Marshal(map[string]any{
		"id": "chatcmpl-bench", "object": "chat.completion.chunk", "created": 1700000000, "model": "bench-chat",
		"choices": []any{map[string]any{"index": 0, "delta": delta, "finish_reason": finish}},
	})
	return append(append([]byte("data: "), raw...), '\n', '\n')
}

func (f *benchFakeLLM) handle(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Stream bool `json:"stream"`
	}
	if r.URL.Path != "/v1/chat/completions" || json.NewDecoder(r.Body).Decode(&req) != nil || !req.Stream {
		// Only the answerer is wired to the model, and it always streams here.
		http.Error(w, "the fake serves streamed chat completions only", http.StatusTeapot)
		return
	}
	flusher := w.(http.Flusher)
	w.Header().Set("Content-Type", "text/event-stream")
	_, _ = w.Write(benchChunk(map[string]string{"role": "assistant", "content": ""}, nil))
	flusher.Flush()
	_, _ = w.Write(benchChunk(map[string]string{"content": benchFirstSentence}, nil))
	flusher.Flush()
	select {
	case f.sent <- time.Now():
	default:
	}
	select {
	case <-f.ack:
	case <-time.After(time.Second):
	case <-r.Context().Done():
		return
	}
	for _, d := range benchRestOfAnswer {
		_, _ = w.Write(benchChunk(map[string]string{"content": d}, nil))
	}
	_, _ = w.Write(benchChunk(map[string]string{}, "stop"))
	_, _ = w.Write([]byte("data: [DONE]\n\n"))
	flusher.Flush()
}

// reset forgets a signal a previous turn left behind.
func (f *benchFakeLLM) reset() {
	select {
	case <-f.sent:
	default:
	}
	select {
	case <-f.ack:
	default:
	}
}

// streamTurn posts one message asking for server-sent events and reads the stream to its
// done event. firstDelta is the time from the fake model flushing its first content chunk
// to this client having read the first whole `event: delta` frame; viaModel is false when
// the reply did not come from the model (the bot asked back, say), and then firstDelta is 0.
func (c *benchChatter) streamTurn(ctx context.Context, model *benchFakeLLM, conv, text string) (firstDelta time.Duration, viaModel bool, err error) {
	model.reset()
	raw, _ := json.Marshal(map[string]string{"text": text})
	ctx, cancel := context.WithTimeout(ctx, benchRequestLimit)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url+"/v1/conversations/"+conv+"/messages", bytes.NewReader(raw))
	if err != nil {
		return 0, false, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "text/event-stream")
	req.Header.Set("Authorization", "Bearer "+c.token)
	resp, err := c.s.client.Do(req)
	if err != nil {
		return 0, false, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 1024))
		return 0, false, fmt.Errorf("stream turn: %s %s: %s", resp.Status, resp.Header.Get("Content-Type"), msg)
	}
	r := bufio.NewReader(resp.Body)
	var name, data string
	deltas := 0
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return 0, false, fmt.Errorf("stream turn: the stream ended before its done event: %w", err)
		}
		line = strings.TrimRight(line, "\r\n")
		switch {
		case strings.HasPrefix(line, ":"): // a heartbeat
		case strings.HasPrefix(line, "event:"):
			name = strings.TrimSpace(strings.TrimPrefix(line, "event:"))
		case strings.HasPrefix(line, "data:"):
			data = strings.TrimPrefix(strings.TrimPrefix(line, "data:"), " ")
		case line == "" && name != "":
			switch name {
			case "delta":
				deltas++
				if deltas == 1 {
					if firstDelta, viaModel, err = c.firstDelta(model, data, time.Now()); err != nil {
						return 0, false, err
					}
				}
			case "done":
				var reply benchReply
				if err := json.Unmarshal([]byte(data), &reply); err != nil {
					return 0, false, fmt.Errorf("stream turn: done event: %w", err)
				}
				c.done(reply)
				if viaModel && reply.Decision != string(bot.DecisionAnswer) {
					return 0, false, fmt.Errorf("stream turn: the model answered but the decision is %q", reply.Decision)
				}
				return firstDelta, viaModel, nil
			case "error":
				return 0, false, fmt.Errorf("stream turn: error event: %s", data)
			}
			name, data = "", ""
		}
	}
}

// firstDelta matches the first delta frame, read at seen, with the fake model's first chunk.
func (c *benchChatter) firstDelta(model *benchFakeLLM, data string, seen time.Time) (time.Duration, bool, error) {
	var d struct {
		Text string `json:"text"`
	}
	if err := json.Unmarshal([]byte(data), &d); err != nil {
		return 0, false, fmt.Errorf("stream turn: delta event: %w", err)
	}
	if !strings.HasPrefix(d.Text, strings.TrimSpace(benchFirstSentence)) {
		return 0, false, nil
	}
	select {
	case sent := <-model.sent:
		model.ack <- struct{}{}
		return seen.Sub(sent), true, nil
	case <-time.After(time.Second):
		return 0, false, fmt.Errorf("stream turn: the model's first chunk arrived but the fake never noted sending it")
	}
}
