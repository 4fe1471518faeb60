package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// agentEventJSON is an agent stream event's data.
type agentEventJSON struct {
	Kind           string            `json:"kind"`
	Number         string            `json:"number"`
	Queue          string            `json:"queue"`
	At             time.Time         `json:"at"`
	Actor          string            `json:"actor"`
	Detail         map[string]string `json:"detail"`
	ConversationID string            `json:"conversation_id"`
	Seq            int64             `json:"seq"`
	Text           string            `json:"text"`
	Queues         []string          `json:"queues"` // the ready event's
}

type agentEvent struct {
	id, name string
	data     agentEventJSON
}

// agentStream is an open GET /v1/agent/events.
type agentStream struct {
	t     *testing.T
	r     *sseReader
	ready agentEvent
}

// openAgentEvents opens the agents' stream and reads its ready event; from then on everything
// that happens is on it.
func openAgentEvents(t *testing.T, base, token, query string, header http.Header) *agentStream {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	req, err := http.NewRequestWithContext(ctx, "GET", base+"/v1/agent/events"+query, nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+token)
	for k, v := range header {
		req.Header[k] = v
	}
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	t.Cleanup(func() { res.Body.Close() })
	require.Equal(t, http.StatusOK, res.StatusCode)
	assert.Contains(t, res.Header.Get("Content-Type"), "text/event-stream")
	s := &agentStream{t: t, r: newSSEReader(res.Body)}
	s.ready = s.next()
	require.Equal(t, "ready", s.ready.name)
	require.NotEmpty(t, s.ready.id, "the ready event names where the stream starts")
	return s
}

func (s *agentStream) next() agentEvent {
	s.t.Helper()
	ev, err := s.r.next()
	require.NoError(s.t, err)
	out := agentEvent{id: ev.id, name: ev.name}
	require.NoError(s.t, json.Unmarshal([]byte(ev.data), &out.data), ev.data)
	if ev.name != "ready" {
		assert.Equal(s.t, ev.name, out.data.Kind, "the data names the event's kind")
		assert.NotEmpty(s.t, out.data.Number, "every event names its ticket")
		assert.False(s.t, out.data.At.IsZero())
	}
	return out
}

func TestAgentEventsStreamTicketsAndUserMessages(t *testing.T) {
	e := newUserEnv(t, userEnvOptions{secret: userSecret})
	base := serve(t, e).URL
	owner := userToken(t, "streamed user")
	_, before := e.openTicket(owner) // history: not replayed to a new client

	s := openAgentEvents(t, base, e.agent, "", nil)
	assert.Equal(t, []string{}, s.ready.data.Queues, "an agent of every queue")

	conv, number := e.openTicket(owner)
	require.NotEqual(t, before, number)
	created := s.next()
	assert.Equal(t, "ticket.created", created.name, "the stream starts now: the earlier ticket is not replayed")
	assert.Equal(t, number, created.data.Number)
	assert.Equal(t, "general", created.data.Queue)
	assert.Equal(t, "bot", created.data.Actor)
	assert.Equal(t, "user_request", created.data.Detail["trigger"])

	e.say(owner, conv.ID, "好的，我的订单号是 12345")
	msg := s.next()
	assert.Equal(t, "message.user", msg.name)
	assert.Equal(t, number, msg.data.Number)
	assert.Equal(t, "general", msg.data.Queue)
	assert.Equal(t, conv.ID, msg.data.ConversationID)
	assert.EqualValues(t, 3, msg.data.Seq)
	assert.Equal(t, "好的，我的订单号是 12345", msg.data.Text)

	e.json(request{method: "POST", path: "/v1/tickets/" + number + "/transfer", token: e.agent,
		body: map[string]string{"queue": "account"}}, http.StatusOK, nil)
	moved := s.next()
	assert.Equal(t, "ticket.transferred", moved.name)
	assert.Equal(t, "account", moved.data.Queue)
	assert.Equal(t, map[string]string{"from": "general", "to": "account"}, moved.data.Detail)

	var claimed agentTicketJSON
	e.json(request{method: "POST", path: "/v1/tickets/claim", token: e.agent,
		body: map[string]any{"queues": []string{"account"}}}, http.StatusOK, &claimed)
	require.Equal(t, number, claimed.Number)
	claim := s.next()
	assert.Equal(t, "ticket.claimed", claim.name)
	assert.Equal(t, "agent", claim.data.Actor)

	// A client that reconnects with the id of an event gets what followed it, exactly.
	// (The ids may differ from the first stream's: an id is a place in two feeds, and reads
	// at other moments may interleave them otherwise; what is sent is the same, in order.)
	resumed := openAgentEvents(t, base, e.agent, "", hdr("Last-Event-ID", created.id))
	assert.Equal(t, created.id, resumed.ready.id)
	for _, want := range []agentEvent{msg, moved, claim} {
		got := resumed.next()
		assert.Equal(t, want.name, got.name)
		assert.Equal(t, "account", got.data.Queue, "the transfer and the claim name the queue after them; a message its ticket's queue now")
		want.data.Queue, got.data.Queue = "", ""
		assert.Equal(t, want.data, got.data)
	}

	e.json(request{method: "POST", path: "/v1/tickets/" + number + "/resolve", token: e.agent}, http.StatusOK, nil)
	for _, s := range []*agentStream{s, resumed} {
		resolved := s.next()
		assert.Equal(t, "ticket.resolved", resolved.name)
		assert.Equal(t, number, resolved.data.Number)
	}
	// ...and ?after does the same.
	after := openAgentEvents(t, base, e.agent, "?after="+urlQueryEscape(moved.id), nil)
	assert.Equal(t, claim.id, after.next().id)
}

func TestAgentEventsOfTheAgentsQueues(t *testing.T) {
	e := newUserEnv(t, userEnvOptions{secret: userSecret})
	base := serve(t, e).URL
	payment := e.mintAgent("payments only", "payment")
	general := e.mintAgent("general only", "general")
	ps := openAgentEvents(t, base, payment, "", nil)
	assert.Equal(t, []string{"payment"}, ps.ready.data.Queues)
	gs := openAgentEvents(t, base, general, "", nil)

	owner := userToken(t, "queued user")
	conv, number := e.openTicket(owner)
	e.say(owner, conv.ID, "还在吗？")
	created := gs.next()
	assert.Equal(t, "ticket.created", created.name)
	assert.Equal(t, "message.user", gs.next().name)

	e.json(request{method: "POST", path: "/v1/tickets/" + number + "/transfer", token: adminToken,
		body: map[string]string{"queue": "payment"}}, http.StatusOK, nil)
	// The payment agent saw nothing of the ticket while it was in general: its first event
	// is the transfer into its queue.
	in := ps.next()
	assert.Equal(t, "ticket.transferred", in.name)
	assert.Equal(t, "payment", in.data.Queue)
	// The general agent sees the ticket leave.
	out := gs.next()
	assert.Equal(t, "ticket.transferred", out.name)
	assert.Equal(t, in.id, out.id, "one place in the feeds, whoever reads them")

	e.say(owner, conv.ID, "我付款失败了")
	msg := ps.next()
	assert.Equal(t, "message.user", msg.name)
	assert.Equal(t, "我付款失败了", msg.data.Text)
	// The general agent's stream stays quiet: the next thing on it is the next general ticket.
	_, other := e.openTicket(userToken(t, "another user"))
	next := gs.next()
	assert.Equal(t, "ticket.created", next.name)
	assert.Equal(t, other, next.data.Number)
}

func TestAgentEventsRefusals(t *testing.T) {
	e := newUserEnv(t, userEnvOptions{secret: userSecret})
	for _, tc := range []struct {
		name   string
		token  string
		header http.Header
		query  string
		status int
		field  string
	}{
		{"no token", "", nil, "", http.StatusUnauthorized, ""},
		{"an editor", e.editor, nil, "", http.StatusForbidden, ""},
		{"an end user", userToken(t, "curious user"), nil, "", http.StatusForbidden, ""},
		{"a number for an id", e.agent, hdr("Last-Event-ID", "12"), "", http.StatusBadRequest, "Last-Event-ID"},
		{"a negative id", e.agent, hdr("Last-Event-ID", "t-1-m2"), "", http.StatusBadRequest, "Last-Event-ID"},
		{"leading zeros", e.agent, hdr("Last-Event-ID", "t01-m2"), "", http.StatusBadRequest, "Last-Event-ID"},
		{"garbage after", e.agent, nil, "?after=t1-m2x", http.StatusBadRequest, "after"},
		{"too large", e.agent, nil, "?after=t99999999999999999999-m1", http.StatusBadRequest, "after"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := e.do(request{method: "GET", path: "/v1/agent/events" + tc.query, token: tc.token, header: tc.header})
			require.Equal(t, tc.status, rec.Code, rec.Body.String())
			assert.Equal(t, tc.field, decodeError(t, rec).Error.Field)
		})
	}
}

func TestAgentEventsEndAtShutdown(t *testing.T) {
	e := newUserEnv(t, userEnvOptions{secret: userSecret})
	s := openAgentEvents(t, serve(t, e).URL, adminToken, "", nil)
	e.srv.CloseStreams()
	done := make(chan error, 1)
	go func() {
		for {
			if _, err := s.r.next(); err != nil {
				done <- err
				return
			}
		}
	}()
	select {
	case err := <-done:
		assert.ErrorContains(t, err, "EOF", "the stream ended cleanly")
	case <-time.After(10 * time.Second):
		t.Fatal("the agents' stream did not end at shutdown")
	}
}
