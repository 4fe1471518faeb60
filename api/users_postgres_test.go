package api_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestUserChatOnPostgres runs the end users' routes over the PostgreSQL conversation and
// ticket stores: what the memory store does in the other tests must hold there too.
func TestUserChatOnPostgres(t *testing.T) {
	userScenario(t, newUserEnv(t, userEnvOptions{anonymous: true, secret: userSecret, postgres: true}))
}

func TestUserChatOnMemory(t *testing.T) {
	userScenario(t, newUserEnv(t, userEnvOptions{anonymous: true, secret: userSecret}))
}

func userScenario(t *testing.T, e *userEnv) {
	token := userToken(t, "scenario user")
	conv := e.start(token)

	r := e.say(token, conv.ID, "收不到验证码怎么办")
	require.Equal(t, "answer", r.Decision, r.Reason)
	require.NotEmpty(t, r.Message.Citations)

	anon := e.start("")
	require.NotEmpty(t, anon.Token)
	assert.Equal(t, "answer", e.say(anon.Token, anon.ID, "How do I delete my account?").Decision)

	r = e.say(token, conv.ID, "转人工")
	require.Equal(t, "handoff", r.Decision, r.Reason)
	require.NotNil(t, r.Ticket)
	var st map[string]any
	e.json(request{method: "GET", path: "/v1/tickets/" + r.Ticket.Number, token: token}, http.StatusOK, &st)
	assert.EqualValues(t, 1, st["position"])

	path := "/v1/conversations/" + conv.ID + "/messages"
	var q1, q2 replyJSON
	e.json(request{method: "POST", path: path, token: token, header: hdr("Idempotency-Key", "pg-1"), body: map[string]string{"text": "还要等多久"}}, http.StatusOK, &q1)
	e.json(request{method: "POST", path: path, token: token, header: hdr("Idempotency-Key", "pg-1"), body: map[string]string{"text": "还要等多久"}}, http.StatusOK, &q2)
	assert.Equal(t, "queued", q1.Decision)
	require.NotNil(t, q1.Message)
	require.NotNil(t, q2.Message)
	assert.Equal(t, q1.Message.ID, q2.Message.ID)
	rec := e.do(request{method: "POST", path: path, token: token, header: hdr("Idempotency-Key", "pg-1"), body: map[string]string{"text": "另一句话"}})
	assert.Equal(t, http.StatusUnprocessableEntity, rec.Code)
	assert.Len(t, e.transcript(token, conv.ID, "").Items, 6)

	stranger := userToken(t, "scenario stranger")
	for _, p := range []string{path, "/v1/tickets/" + r.Ticket.Number} {
		assert.Equal(t, http.StatusNotFound, e.do(request{method: "GET", path: p, token: stranger}).Code, p)
	}
	assert.Equal(t, http.StatusNotFound, e.do(request{method: "GET", path: "/v1/conversations/not-a-uuid/messages", token: token}).Code)

	first := e.rawCompletion(token, `{"user":"pg-chat","messages":[{"role":"user","content":"How do I delete my account?"}]}`)
	again := e.rawCompletion(token, `{"user":"pg-chat","messages":[{"role":"user","content":"收不到验证码怎么办"}]}`)
	assert.Equal(t, first.ConversationID, again.ConversationID)
	assert.Len(t, e.transcript(token, first.ConversationID, "").Items, 4)

	srv := serve(t, e)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, events := openEvents(t, ctx, srv.URL, token, conv.ID, "", hdr("Last-Event-ID", "4"))
	var states []string
	assert.EqualValues(t, 5, nextMessage(t, events, &states).Seq)
	assert.EqualValues(t, 6, nextMessage(t, events, &states).Seq)
}
