package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/faqbot/faqbot/bot"
)

func TestReplyStreamsAsEvents(t *testing.T) {
	e := newUserEnv(t, userEnvOptions{secret: userSecret})
	token := userToken(t, "streamer")
	conv := e.start(token)
	tests := []struct {
		name, text, decision string
	}{
		{"answer", "How do I delete my account?", "answer"},
		{"clarify", "qwrzx plomb vvv", "clarify"},
		{"handoff", "转人工", "handoff"},
		{"queued", "还要等多久", "queued"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := e.do(request{method: "POST", path: "/v1/conversations/" + conv.ID + "/messages", token: token,
				header: http.Header{"Accept": {"text/event-stream"}}, body: map[string]string{"text": tt.text}})
			require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
			assert.Contains(t, rec.Header().Get("Content-Type"), "text/event-stream")
			assert.Equal(t, "no-cache", rec.Header().Get("Cache-Control"))
			assert.True(t, rec.Flushed, "frames are flushed")

			events := newSSEReader(rec.Body).all(t)
			require.NotEmpty(t, events)
			var text strings.Builder
			for _, ev := range events[:len(events)-1] {
				require.Equal(t, "delta", ev.name)
				var d struct{ Text string }
				require.NoError(t, json.Unmarshal([]byte(ev.data), &d))
				text.WriteString(d.Text)
			}
			done := events[len(events)-1]
			require.Equal(t, "done", done.name)
			var r replyJSON
			require.NoError(t, json.Unmarshal([]byte(done.data), &r))
			assert.Equal(t, tt.decision, r.Decision, r.Reason)
			require.NotNil(t, r.Message)
			assert.Equal(t, r.Message.Text, text.String(), "the deltas add up to the reply")
		})
	}
	assert.Len(t, e.transcript(token, conv.ID, "").Items, 8, "streamed turns are stored like any other")
}

func TestStreamErrorsBeforeTheFirstByteAreStatuses(t *testing.T) {
	e := newUserEnv(t, userEnvOptions{secret: userSecret})
	token := userToken(t, "streamer")
	conv := e.start(token)
	rec := e.do(request{method: "POST", path: "/v1/conversations/" + conv.ID + "/messages", token: token,
		header: http.Header{"Accept": {"text/event-stream"}}, body: map[string]string{"text": strings.Repeat("长", 3000)}})
	assert.Equal(t, http.StatusRequestEntityTooLarge, rec.Code)
	assert.Equal(t, "too_large", decodeError(t, rec).Error.Code)
}

// slowAnswerer answers after delay, or gives up when ctx ends first.
type slowAnswerer struct{ delay time.Duration }

func (a slowAnswerer) Answer(ctx context.Context, in bot.AnswerInput, onDelta func(string) error) (bot.Answer, error) {
	select {
	case <-ctx.Done():
		return bot.Answer{}, ctx.Err()
	case <-time.After(a.delay):
	}
	return bot.Extractive{}.Answer(ctx, in, onDelta)
}

func TestOnlyNonStreamingTurnsHaveTheRequestTimeout(t *testing.T) {
	e := newUserEnv(t, userEnvOptions{secret: userSecret, answerer: slowAnswerer{delay: 400 * time.Millisecond}, timeout: 100 * time.Millisecond})
	token := userToken(t, "patient")
	conv := e.start(token)
	path := "/v1/conversations/" + conv.ID + "/messages"

	rec := e.do(request{method: "POST", path: path, token: token, body: map[string]string{"text": "How do I delete my account?"}})
	assert.Equal(t, http.StatusServiceUnavailable, rec.Code, rec.Body.String())
	assert.Equal(t, "timeout", decodeError(t, rec).Error.Code)

	rec = e.do(request{method: "POST", path: path, token: token, header: http.Header{"Accept": {"text/event-stream"}},
		body: map[string]string{"text": "How do I delete my account?"}})
	require.Equal(t, http.StatusOK, rec.Code)
	reader := newSSEReader(rec.Body)
	events := reader.all(t)
	require.NotEmpty(t, events)
	assert.Equal(t, "done", events[len(events)-1].name, "the stream outlives the request timeout")
	assert.Positive(t, reader.comments, "heartbeats kept the quiet stream alive")
}

// serve runs the API on a loopback listener: streams need a real connection to be read
// while they are written.
func serve(t *testing.T, e *userEnv) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(e.srv)
	t.Cleanup(srv.Close)
	return srv
}

func openEvents(t *testing.T, ctx context.Context, base, token, convID, query string, header http.Header) (*http.Response, *sseReader) {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, "GET", base+"/v1/conversations/"+convID+"/events"+query, nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+token)
	for k, v := range header {
		req.Header.Set(k, v[0])
	}
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	t.Cleanup(func() { res.Body.Close() })
	require.Equal(t, http.StatusOK, res.StatusCode)
	assert.Contains(t, res.Header.Get("Content-Type"), "text/event-stream")
	return res, newSSEReader(res.Body)
}

// nextMessage reads the next message event, skipping state events, recording the states seen.
func nextMessage(t *testing.T, r *sseReader, states *[]string) messageJSON {
	t.Helper()
	for {
		ev, err := r.next()
		require.NoError(t, err)
		if ev.name == "state" {
			var s struct{ State string }
			require.NoError(t, json.Unmarshal([]byte(ev.data), &s))
			*states = append(*states, s.State)
			continue
		}
		require.Equal(t, "message", ev.name)
		var m messageJSON
		require.NoError(t, json.Unmarshal([]byte(ev.data), &m))
		assert.Equal(t, itoa(m.Seq), ev.id, "the event id is the message's seq")
		return m
	}
}

// nextState reads the next event, which must be a state change.
func nextState(t *testing.T, r *sseReader) string {
	t.Helper()
	ev, err := r.next()
	require.NoError(t, err)
	require.Equal(t, "state", ev.name)
	var s struct{ State string }
	require.NoError(t, json.Unmarshal([]byte(ev.data), &s))
	return s.State
}

func TestEventsStreamNewMessagesAndStates(t *testing.T) {
	e := newUserEnv(t, userEnvOptions{secret: userSecret})
	srv := serve(t, e)
	token := userToken(t, "listener")
	conv := e.start(token)
	e.say(token, conv.ID, "转人工")

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, events := openEvents(t, ctx, srv.URL, token, conv.ID, "", nil)
	var states []string
	first := nextMessage(t, events, &states)
	assert.EqualValues(t, 1, first.Seq, "without Last-Event-ID the stream starts at the beginning")
	assert.Equal(t, "转人工", first.Text)
	second := nextMessage(t, events, &states)
	assert.EqualValues(t, 2, second.Seq)
	assert.Equal(t, "bot", second.Role)
	// The current state follows the backlog; wait for it, or the change below could overtake it.
	if len(states) == 0 {
		states = append(states, nextState(t, events))
	}

	// An agent takes the chat and replies: the user sees both without asking.
	bg := context.Background()
	require.NoError(t, e.convs.SetState(bg, conv.ID, bot.StateAgent))
	require.NoError(t, e.convs.AppendMessage(bg, &bot.Message{ConversationID: conv.ID, Role: bot.RoleAgent, Author: "Alice", Text: "您好，我是客服小李，请问有什么可以帮您？"}))
	agent := nextMessage(t, events, &states)
	assert.EqualValues(t, 3, agent.Seq)
	assert.Equal(t, "agent", agent.Role)
	assert.Equal(t, "Alice", agent.Author)
	assert.Equal(t, "您好，我是客服小李，请问有什么可以帮您？", agent.Text)
	if len(states) < 2 {
		// The state change and the message may come in one poll: the message first.
		states = append(states, nextState(t, events))
	}
	assert.Equal(t, []string{"queued", "agent"}, states, "the state and its changes are streamed")
}

func TestEventsResumeFromLastEventID(t *testing.T) {
	e := newUserEnv(t, userEnvOptions{secret: userSecret})
	srv := serve(t, e)
	token := userToken(t, "reconnecting")
	tests := []struct {
		name   string
		header http.Header
		query  string
		first  int64
	}{
		{"Last-Event-ID", hdr("Last-Event-ID", "2"), "", 3},
		{"after", nil, "?after=3", 4},
		{"Last-Event-ID wins over after", hdr("Last-Event-ID", "1"), "?after=3", 2},
		{"at the end", hdr("Last-Event-ID", "4"), "", 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			conv := e.start(token)
			e.say(token, conv.ID, "收不到验证码怎么办")
			e.say(token, conv.ID, "How do I delete my account?")
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			_, events := openEvents(t, ctx, srv.URL, token, conv.ID, tt.query, tt.header)
			var states []string
			for seq := tt.first; seq <= 4; seq++ {
				assert.Equal(t, seq, nextMessage(t, events, &states).Seq, "neither lost nor repeated")
			}
			// What is written after the reconnect follows in order.
			require.NoError(t, e.convs.AppendMessage(context.Background(), &bot.Message{ConversationID: conv.ID, Role: bot.RoleSystem, Text: "notice"}))
			m := nextMessage(t, events, &states)
			assert.EqualValues(t, 5, m.Seq)
			assert.Equal(t, "notice", m.Text)
			assert.Equal(t, "system", m.Role)
		})
	}

	conv := e.start(token)
	for _, bad := range []string{"banana", "-1", "1.5"} {
		rec := e.do(request{method: "GET", path: "/v1/conversations/" + conv.ID + "/events", token: token, header: hdr("Last-Event-ID", bad)})
		assert.Equal(t, http.StatusBadRequest, rec.Code, bad)
		assert.Equal(t, "Last-Event-ID", decodeError(t, rec).Error.Field)
	}
}

// hdr builds a header with its key in canonical form, as a client sends it.
func hdr(key, value string) http.Header {
	h := http.Header{}
	h.Set(key, value)
	return h
}

func TestEventStreamsEndAtShutdown(t *testing.T) {
	e := newUserEnv(t, userEnvOptions{secret: userSecret})
	srv := serve(t, e)
	token := userToken(t, "until the end")
	conv := e.start(token)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, events := openEvents(t, ctx, srv.URL, token, conv.ID, "", nil)
	ev, err := events.next()
	require.NoError(t, err)
	assert.Equal(t, "state", ev.name)

	e.srv.CloseStreams()
	done := make(chan error, 1)
	go func() {
		for {
			if _, err := events.next(); err != nil {
				done <- err
				return
			}
		}
	}()
	select {
	case err := <-done:
		assert.ErrorContains(t, err, "EOF", "the stream ended cleanly")
	case <-time.After(5 * time.Second):
		t.Fatal("the event stream did not end at shutdown")
	}
}
