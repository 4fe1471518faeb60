package api_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type ratingJSON struct {
	Number    string `json:"number"`
	Score     int    `json:"score"`
	Comment   string `json:"comment"`
	CreatedAt string `json:"created_at"`
}

// openTicket hands token's new conversation over to a human and returns it and the number.
func (e *userEnv) openTicket(token string) (conversationOut, string) {
	e.t.Helper()
	conv := e.start(token)
	r := e.say(token, conv.ID, "转人工")
	require.Equal(e.t, "handoff", r.Decision, r.Reason)
	require.NotNil(e.t, r.Ticket)
	return conv, r.Ticket.Number
}

func (e *userEnv) resolve(number string) {
	e.t.Helper()
	_, err := e.engine.ResolveTicket(context.Background(), number, "agent-1")
	require.NoError(e.t, err)
}

func (e *userEnv) rate(token, number string, body any, header http.Header) ratingResult {
	e.t.Helper()
	rec := e.do(request{method: "POST", path: "/v1/tickets/" + number + "/rating", token: token, body: body, header: header})
	return ratingResult{status: rec.Code, body: rec.Body.String(), rec: rec}
}

// ticketStatus is the ticket's status as its owner sees it.
func (e *userEnv) ticketStatus(token, number string) string {
	e.t.Helper()
	var st map[string]any
	e.json(request{method: "GET", path: "/v1/tickets/" + number, token: token}, http.StatusOK, &st)
	s, _ := st["status"].(string)
	return s
}

func TestRatingOnMemory(t *testing.T) {
	ratingScenario(t, newUserEnv(t, userEnvOptions{anonymous: true, secret: userSecret}))
}

func TestRatingOnPostgres(t *testing.T) {
	ratingScenario(t, newUserEnv(t, userEnvOptions{anonymous: true, secret: userSecret, postgres: true}))
}

// ratingScenario walks one ticket from handoff through refused ratings to the one that
// counts, checking after every refusal that nothing changed.
func ratingScenario(t *testing.T, e *userEnv) {
	owner := userToken(t, "rating owner")
	conv, number := e.openTicket(owner)

	// Not resolved yet.
	res := e.rate(owner, number, map[string]any{"score": 5}, nil)
	require.Equal(t, http.StatusConflict, res.status, res.body)
	assert.Equal(t, "conflict", res.err(t).Code)
	assert.Contains(t, res.err(t).Message, "not resolved yet")
	zh := e.rate(owner, number, map[string]any{"score": 5}, hdr("Accept-Language", "zh-CN"))
	assert.Contains(t, zh.err(t).Message, "尚未解决")
	assert.Equal(t, "queued", e.ticketStatus(owner, number))

	e.resolve(number)
	tr := e.transcript(owner, conv.ID, "")
	last := tr.Items[len(tr.Items)-1]
	assert.Equal(t, "system", last.Role)
	assert.Equal(t, "问题已解决，请为本次服务打分（1-5 分）", last.Text, "asked in the conversation's language")

	anon := e.start("")
	badRequests := []struct {
		name  string
		body  any
		field string
	}{
		{"score 0", map[string]any{"score": 0}, "score"},
		{"score 6", map[string]any{"score": 6}, "score"},
		{"negative score", map[string]any{"score": -1}, "score"},
		{"score as a string", `{"score":"5"}`, "score"},
		{"fractional score", `{"score":4.5}`, "score"},
		{"no score", map[string]any{"comment": "good"}, "score"},
		{"null score", `{"score":null}`, "score"},
		{"comment too long", map[string]any{"score": 5, "comment": strings.Repeat("好", 1001)}, "comment"},
		{"control character", map[string]any{"score": 5, "comment": "ok\u0007"}, "comment"},
		{"comment as a number", `{"score":5,"comment":5}`, "comment"},
		{"unknown field", map[string]any{"score": 5, "stars": 5}, "stars"},
	}
	for _, tc := range badRequests {
		t.Run(tc.name, func(t *testing.T) {
			res := e.rate(owner, number, tc.body, nil)
			require.Equal(t, http.StatusBadRequest, res.status, res.body)
			assert.Equal(t, "invalid", res.err(t).Code)
			assert.Equal(t, tc.field, res.err(t).Field)
		})
	}
	refusals := []struct {
		name, token, number string
		status              int
	}{
		{"another user", userToken(t, "rating mallory"), number, http.StatusNotFound},
		{"another anonymous user", anon.Token, number, http.StatusNotFound},
		{"unknown number", owner, "ZZZZ-ZZZZ", http.StatusNotFound},
		{"malformed number", owner, "not-a-ticket", http.StatusNotFound},
		{"agent token", e.agent, number, http.StatusForbidden},
		{"editor token", e.editor, number, http.StatusForbidden},
		{"admin token", adminToken, number, http.StatusForbidden},
		{"no token", "", number, http.StatusUnauthorized},
	}
	for _, tc := range refusals {
		t.Run(tc.name, func(t *testing.T) {
			res := e.rate(tc.token, tc.number, map[string]any{"score": 1}, nil)
			require.Equal(t, tc.status, res.status, res.body)
		})
	}
	assert.Equal(t, "resolved", e.ticketStatus(owner, number), "every refusal left the ticket resolved")
	zhMsg := e.rate(owner, number, map[string]any{"score": 9}, hdr("Accept-Language", "zh"))
	assert.Contains(t, zhMsg.err(t).Message, "1 到 5", "field errors are worded in Chinese too")

	// The owner rates, typing the number back in lowercase; nothing refused above was
	// stored, or this would be a conflict.
	before := time.Now().Add(-time.Second)
	res = e.rate(owner, strings.ToLower(number), map[string]any{"score": 4, "comment": "  耐心细致\nthanks  "}, nil)
	require.Equal(t, http.StatusCreated, res.status, res.body)
	var got ratingJSON
	require.NoError(t, jsonUnmarshal([]byte(res.body), &got))
	assert.Equal(t, number, got.Number)
	assert.Equal(t, 4, got.Score)
	assert.Equal(t, "耐心细致\nthanks", got.Comment)
	at, err := time.Parse(time.RFC3339Nano, got.CreatedAt)
	require.NoError(t, err)
	assert.True(t, at.After(before), "created_at is now: %s", got.CreatedAt)
	assert.Equal(t, "closed", e.ticketStatus(owner, number))

	again := e.rate(owner, number, map[string]any{"score": 1}, nil)
	require.Equal(t, http.StatusConflict, again.status, again.body)
	assert.Contains(t, again.err(t).Message, "already been rated")
	zh = e.rate(owner, number, map[string]any{"score": 1}, hdr("Accept-Language", "zh-CN,zh;q=0.9"))
	assert.Contains(t, zh.err(t).Message, "已经评价过")

	// The user's next message is the bot's again.
	r := e.say(owner, conv.ID, "收不到验证码怎么办")
	assert.Equal(t, "answer", r.Decision, r.Reason)
	assert.Equal(t, "bot", r.State)
}

// TestRatingByConversationToken: in anonymous chat the conversation token is the owner's
// only credential, and it rates the ticket its conversation opened.
func TestRatingByConversationToken(t *testing.T) {
	e := newUserEnv(t, userEnvOptions{anonymous: true, secret: userSecret})
	conv := e.start("")
	r := e.say(conv.Token, conv.ID, "I want to talk to a human")
	require.NotNil(t, r.Ticket)
	e.resolve(r.Ticket.Number)
	tr := e.transcript(conv.Token, conv.ID, "")
	assert.Equal(t, "Your ticket has been resolved. How did we do? Please rate us from 1 to 5.", tr.Items[len(tr.Items)-1].Text)

	res := e.rate(conv.Token, r.Ticket.Number, map[string]any{"score": 2}, nil)
	require.Equal(t, http.StatusCreated, res.status, res.body)
	assert.Equal(t, "closed", e.ticketStatus(conv.Token, r.Ticket.Number))
}

func TestConcurrentRatingsOneWins(t *testing.T) {
	for name, pg := range map[string]bool{"memory": false, "postgres": true} {
		t.Run(name, func(t *testing.T) {
			e := newUserEnv(t, userEnvOptions{secret: userSecret, postgres: pg})
			owner := userToken(t, "rating racer")
			_, number := e.openTicket(owner)
			e.resolve(number)
			const n = 10
			codes := make([]int, n)
			var wg sync.WaitGroup
			for i := range n {
				wg.Go(func() {
					codes[i] = e.rate(owner, number, map[string]any{"score": 1 + i%5}, nil).status
				})
			}
			wg.Wait()
			counts := map[int]int{}
			for _, c := range codes {
				counts[c]++
			}
			assert.Equal(t, map[int]int{http.StatusCreated: 1, http.StatusConflict: n - 1}, counts)
		})
	}
}

type ratingResult struct {
	status int
	body   string
	rec    *httptest.ResponseRecorder
}

func (r ratingResult) err(t *testing.T) errorFields {
	t.Helper()
	e := decodeError(t, r.rec).Error
	return errorFields{Code: e.Code, Message: e.Message, Field: e.Field}
}

type errorFields struct{ Code, Message, Field string }
