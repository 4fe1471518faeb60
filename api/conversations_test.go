package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/faqbot/faqbot/bot"
)

func TestConversationsAnswerWithCitations(t *testing.T) {
	e := newUserEnv(t, userEnvOptions{secret: userSecret})
	tests := []struct {
		name, lang, text, wantTitle string
	}{
		{"zh", "zh", "收不到验证码怎么办", "收不到验证码怎么办？"},
		{"en", "en", "I'm not getting the verification code", "I'm not getting the verification code"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			token := userToken(t, "user-"+tt.name)
			var conv conversationOut
			e.json(request{method: "POST", path: "/v1/conversations", token: token, body: map[string]string{"language": tt.lang}}, http.StatusCreated, &conv)
			assert.Equal(t, "bot", conv.State)
			assert.Empty(t, conv.Token, "a user's conversation needs no token of its own")

			r := e.say(token, conv.ID, tt.text)
			require.Equal(t, "answer", r.Decision, r.Reason)
			require.NotNil(t, r.Message)
			assert.Equal(t, "bot", r.Message.Role)
			assert.NotEmpty(t, r.Message.Text)
			require.NotEmpty(t, r.Message.Citations)
			assert.Equal(t, tt.wantTitle, r.Message.Citations[0].Title)
			assert.Positive(t, r.Message.Citations[0].ArticleID)
			require.NotNil(t, r.Message.Confidence)
			assert.GreaterOrEqual(t, *r.Message.Confidence, bot.DefaultConfig().Threshold)
			require.NotNil(t, r.Message.Sentiment, "the reply carries the user's mood")
			assert.NotEmpty(t, r.Message.Sentiment.Label)
			assert.Equal(t, "bot", r.State)
			assert.Nil(t, r.Ticket)
			assert.NotNil(t, r.Suggestions, "suggestions is an array, never null")
			assert.Nil(t, r.UserMessage, "user_message only comes when the bot stays silent")
		})
	}
}

func TestConversationJSONShape(t *testing.T) {
	e := newUserEnv(t, userEnvOptions{secret: userSecret})
	token := userToken(t, "shape")
	conv := e.start(token)
	rec := e.do(request{method: "POST", path: "/v1/conversations/" + conv.ID + "/messages", token: token, body: map[string]string{"text": "How do I delete my account?"}})
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	var raw map[string]any
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &raw))
	for _, k := range []string{"message", "decision", "reason", "state", "ticket", "suggestions"} {
		assert.Contains(t, raw, k)
	}
	assert.Nil(t, raw["ticket"], "ticket is null without a handoff")
	msg := raw["message"].(map[string]any)
	for _, k := range []string{"id", "role", "text", "citations", "confidence", "sentiment"} {
		assert.Contains(t, msg, k)
	}
}

func TestClarifyOffersLikelyQuestions(t *testing.T) {
	e := newUserEnv(t, userEnvOptions{secret: userSecret})
	token := userToken(t, "vague")
	conv := e.start(token)
	r := e.say(token, conv.ID, "qwrzx plomb vvv")
	require.Equal(t, "clarify", r.Decision, r.Reason)
	assert.LessOrEqual(t, len(r.Suggestions), 3)
	require.NotNil(t, r.Message)
	assert.NotEmpty(t, r.Message.Text)
	assert.Equal(t, "bot", r.State)
	assert.Nil(t, r.Ticket)
}

func TestHandoffs(t *testing.T) {
	tests := []struct {
		name      string
		text      string
		queue     string
		priority  string
		mood      string
		textMatch string
	}{
		{"angry goes to senior", "你们这什么破平台，钱扣了还不到账！垃圾！", "senior", "P2", "angry", "工单号"},
		{"asks for a human zh", "转人工", "general", "P3", "", "工单号"},
		{"asks for a human en", "I want to talk to a human", "general", "P3", "", "ticket number"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newUserEnv(t, userEnvOptions{secret: userSecret})
			token := userToken(t, "handoff")
			conv := e.start(token)
			r := e.say(token, conv.ID, tt.text)
			require.Equal(t, "handoff", r.Decision, r.Reason)
			assert.Equal(t, "queued", r.State)
			require.NotNil(t, r.Ticket)
			assert.Equal(t, tt.queue, r.Ticket.Queue)
			assert.Equal(t, tt.priority, r.Ticket.Priority)
			assert.Equal(t, "queued", r.Ticket.Status)
			require.NotNil(t, r.Message)
			assert.Contains(t, r.Message.Text, r.Ticket.Number, "the user is told the ticket number")
			assert.Contains(t, r.Message.Text, tt.textMatch)
			if tt.mood != "" {
				require.NotNil(t, r.Message.Sentiment)
				assert.Equal(t, tt.mood, r.Message.Sentiment.Label)
			}
		})
	}
}

func TestMessageWhileQueuedTellsThePlace(t *testing.T) {
	e := newUserEnv(t, userEnvOptions{secret: userSecret})
	ahead := userToken(t, "first in line")
	e.say(ahead, e.start(ahead).ID, "转人工")

	token := userToken(t, "second in line")
	conv := e.start(token)
	first := e.say(token, conv.ID, "转人工")
	require.NotNil(t, first.Ticket)

	r := e.say(token, conv.ID, "我的视频为什么没有人看")
	assert.Equal(t, "queued", r.Decision, "the bot does not answer while the ticket waits")
	assert.Equal(t, "queued", r.State)
	require.NotNil(t, r.Message)
	assert.Contains(t, r.Message.Text, first.Ticket.Number)
	assert.Contains(t, r.Message.Text, "前面还有 1 位")
	require.NotNil(t, r.Ticket)
	assert.Equal(t, first.Ticket.Number, r.Ticket.Number)

	var st map[string]any
	e.json(request{method: "GET", path: "/v1/tickets/" + first.Ticket.Number, token: token}, http.StatusOK, &st)
	assert.Equal(t, first.Ticket.Number, st["number"])
	assert.Equal(t, "queued", st["status"])
	assert.EqualValues(t, 2, st["position"])
	assert.Positive(t, st["expected_wait_seconds"])
	for _, k := range []string{"priority", "queue", "created_at", "due_at"} {
		assert.NotEmpty(t, st[k], k)
	}

	// A ticket number is read over the phone: lower case and no dash find it too.
	lower := strings.ToLower(strings.ReplaceAll(first.Ticket.Number, "-", ""))
	e.json(request{method: "GET", path: "/v1/tickets/" + lower, token: token}, http.StatusOK, &st)
	assert.Equal(t, first.Ticket.Number, st["number"])
}

func TestAgentOwnedConversationGetsNoBotReply(t *testing.T) {
	e := newUserEnv(t, userEnvOptions{secret: userSecret})
	token := userToken(t, "with an agent")
	conv := e.start(token)
	e.say(token, conv.ID, "转人工")
	require.NoError(t, e.convs.SetState(context.Background(), conv.ID, bot.StateAgent))

	r := e.say(token, conv.ID, "my order number is 12345")
	assert.Nil(t, r.Message, "the agent answers, not the bot")
	require.NotNil(t, r.UserMessage, "the stored user message comes back instead")
	assert.Equal(t, "user", r.UserMessage.Role)
	assert.Equal(t, "my order number is 12345", r.UserMessage.Text)
	assert.Positive(t, r.UserMessage.Seq)
	assert.Equal(t, "queued", r.Decision)
	assert.Equal(t, "agent", r.State)
}

func TestRequestHandoffReturnsTheTicket(t *testing.T) {
	e := newUserEnv(t, userEnvOptions{secret: userSecret})
	token := userToken(t, "button")
	conv := e.start(token)
	e.say(token, conv.ID, "How do I delete my account?")

	var st map[string]any
	e.json(request{method: "POST", path: "/v1/conversations/" + conv.ID + "/handoff", token: token, body: map[string]string{"reason": "the article did not help"}}, http.StatusOK, &st)
	number, _ := st["number"].(string)
	require.NotEmpty(t, number)
	assert.Equal(t, "queued", st["status"])
	assert.EqualValues(t, 1, st["position"])

	var again map[string]any
	e.json(request{method: "POST", path: "/v1/conversations/" + conv.ID + "/handoff", token: token}, http.StatusOK, &again)
	assert.Equal(t, number, again["number"], "an open ticket is returned again, not duplicated")

	tr := e.transcript(token, conv.ID, "")
	require.NotEmpty(t, tr.Items)
	assert.Contains(t, tr.Items[len(tr.Items)-1].Text, number, "the chat says the ticket number")

	rec := e.do(request{method: "POST", path: "/v1/conversations/" + conv.ID + "/handoff", token: token, body: map[string]string{"reason": strings.Repeat("很", bot.MaxReasonLen+1)}})
	assert.Equal(t, http.StatusBadRequest, rec.Code)
	assert.Equal(t, "reason", decodeError(t, rec).Error.Field)
}

func TestTranscriptPages(t *testing.T) {
	e := newUserEnv(t, userEnvOptions{secret: userSecret})
	token := userToken(t, "reader")
	conv := e.start(token)
	e.say(token, conv.ID, "收不到验证码怎么办")
	e.say(token, conv.ID, "How do I delete my account?")

	all := e.transcript(token, conv.ID, "")
	require.Len(t, all.Items, 4, "two turns: two user messages, two replies")
	assert.Nil(t, all.NextCursor)
	for i, m := range all.Items {
		assert.EqualValues(t, i+1, m.Seq)
		assert.NotEmpty(t, m.CreatedAt)
	}
	assert.Equal(t, []string{"user", "bot", "user", "bot"}, []string{all.Items[0].Role, all.Items[1].Role, all.Items[2].Role, all.Items[3].Role})
	assert.Equal(t, "收不到验证码怎么办", all.Items[0].Text)
	require.NotNil(t, all.Items[0].Sentiment, "user messages carry their mood")
	assert.NotEmpty(t, all.Items[1].Citations, "answers carry their citations")
	assert.Equal(t, "answer", all.Items[1].Decision)

	page := e.transcript(token, conv.ID, "?limit=3")
	require.Len(t, page.Items, 3)
	require.NotNil(t, page.NextCursor)
	rest := e.transcript(token, conv.ID, "?limit=3&cursor="+*page.NextCursor)
	require.Len(t, rest.Items, 1)
	assert.EqualValues(t, 4, rest.Items[0].Seq)
	assert.Nil(t, rest.NextCursor)

	after := e.transcript(token, conv.ID, "?after=2")
	require.Len(t, after.Items, 2)
	assert.EqualValues(t, 3, after.Items[0].Seq)

	for _, q := range []string{"?after=-1", "?after=x", "?limit=0", "?limit=201", "?cursor=nonsense", "?after=1&cursor=" + *page.NextCursor} {
		rec := e.do(request{method: "GET", path: "/v1/conversations/" + conv.ID + "/messages" + q, token: token})
		assert.Equal(t, http.StatusBadRequest, rec.Code, q)
	}
}

func TestIdempotentRetry(t *testing.T) {
	e := newUserEnv(t, userEnvOptions{secret: userSecret})
	token := userToken(t, "retrier")
	conv := e.start(token)
	path := "/v1/conversations/" + conv.ID + "/messages"
	key := http.Header{"Idempotency-Key": {"retry-0001"}}
	send := func(text string) *httpResultBody {
		rec := e.do(request{method: "POST", path: path, token: token, header: key, body: map[string]string{"text": text}})
		return &httpResultBody{code: rec.Code, body: rec.Body.Bytes()}
	}

	first := send("收不到验证码怎么办")
	require.Equal(t, http.StatusOK, first.code, string(first.body))
	second := send("收不到验证码怎么办")
	require.Equal(t, http.StatusOK, second.code, string(second.body))
	var a, b replyJSON
	require.NoError(t, json.Unmarshal(first.body, &a))
	require.NoError(t, json.Unmarshal(second.body, &b))
	require.NotNil(t, a.Message)
	require.NotNil(t, b.Message)
	assert.Equal(t, a.Message.ID, b.Message.ID, "the retry gets the stored reply")
	assert.Equal(t, a.Message.Text, b.Message.Text)
	assert.Equal(t, a.Decision, b.Decision)
	assert.Len(t, e.transcript(token, conv.ID, "").Items, 2, "one user message and one bot answer")

	other := send("How do I delete my account?")
	require.Equal(t, http.StatusUnprocessableEntity, other.code, string(other.body))
	var apiErr apiError
	require.NoError(t, json.Unmarshal(other.body, &apiErr))
	assert.Equal(t, "unprocessable", apiErr.Error.Code)
	assert.Contains(t, apiErr.Error.Message, "Idempotency-Key")
	assert.Len(t, e.transcript(token, conv.ID, "").Items, 2, "the refused message is not stored")

	rec := e.do(request{method: "POST", path: path, token: token, header: http.Header{"Idempotency-Key": {strings.Repeat("k", 129)}}, body: map[string]string{"text": "hi"}})
	assert.Equal(t, http.StatusBadRequest, rec.Code)
	assert.Equal(t, "Idempotency-Key", decodeError(t, rec).Error.Field)
}

func TestIdempotentRetryWhileQueued(t *testing.T) {
	e := newUserEnv(t, userEnvOptions{secret: userSecret})
	token := userToken(t, "impatient")
	conv := e.start(token)
	e.say(token, conv.ID, "转人工")
	var replies [2]replyJSON
	for i := range replies {
		e.json(request{method: "POST", path: "/v1/conversations/" + conv.ID + "/messages", token: token,
			header: hdr("Idempotency-Key", "queued-1"), body: map[string]string{"text": "还在吗"}}, http.StatusOK, &replies[i])
	}
	assert.Equal(t, "queued", replies[1].Decision)
	require.NotNil(t, replies[0].Message)
	require.NotNil(t, replies[1].Message)
	assert.Equal(t, replies[0].Message.ID, replies[1].Message.ID, "the retry gets the stored notice")
	assert.Len(t, e.transcript(token, conv.ID, "").Items, 4)
}

type httpResultBody struct {
	code int
	body []byte
}

func TestBadMessagesAreRefused(t *testing.T) {
	e := newUserEnv(t, userEnvOptions{secret: userSecret})
	token := userToken(t, "careless")
	conv := e.start(token)
	path := "/v1/conversations/" + conv.ID + "/messages"
	tests := []struct {
		name   string
		path   string
		body   any
		status int
		code   string
		field  string
	}{
		{"empty text", path, map[string]string{"text": ""}, 400, "invalid", "text"},
		{"whitespace text", path, map[string]string{"text": " \n\t　 "}, 400, "invalid", "text"},
		{"no text", path, map[string]string{}, 400, "invalid", "text"},
		{"8 KB + 1", path, map[string]string{"text": strings.Repeat("a", 8<<10+1)}, 413, "too_large", "text"},
		{"invalid UTF-8", path, []byte("{\"text\":\"hi \xff\"}"), 400, "invalid", ""},
		{"control character", path, map[string]string{"text": "hi\x07there"}, 400, "invalid", "text"},
		{"escape character", path, `{"text":"hi\u001b[31m"}`, 400, "invalid", "text"},
		{"unknown field", path, map[string]string{"text": "hi", "lang": "en"}, 400, "invalid", "lang"},
		{"unknown conversation", "/v1/conversations/00000000-0000-4000-8000-000000000000/messages", map[string]string{"text": "hi"}, 404, "not_found", ""},
		{"malformed conversation id", "/v1/conversations/not-a-uuid/messages", map[string]string{"text": "hi"}, 404, "not_found", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := e.do(request{method: "POST", path: tt.path, token: token, body: tt.body})
			require.Equal(t, tt.status, rec.Code, rec.Body.String())
			got := decodeError(t, rec)
			assert.Equal(t, tt.code, got.Error.Code)
			assert.Equal(t, tt.field, got.Error.Field)
			assert.NotEmpty(t, got.Error.Message)
		})
	}
	assert.Empty(t, e.transcript(token, conv.ID, "").Items, "nothing of a refused message is stored")

	rec := e.do(request{method: "POST", path: path, token: token, body: map[string]string{"text": ""}, header: http.Header{"Accept-Language": {"zh-CN"}}})
	require.Equal(t, http.StatusBadRequest, rec.Code)
	assert.Contains(t, decodeError(t, rec).Error.Message, "不能为空", "the message follows Accept-Language")
}

func TestStartConversationInput(t *testing.T) {
	e := newUserEnv(t, userEnvOptions{secret: userSecret})
	token := userToken(t, "starter")
	tests := []struct {
		name   string
		body   any
		status int
	}{
		{"no body", nil, 201},
		{"empty object", map[string]any{}, 201},
		{"zh-CN", map[string]any{"language": "zh-CN"}, 201},
		{"en", map[string]any{"language": "en"}, 201},
		{"not a language", map[string]any{"language": "klingon!"}, 400},
		{"language not a string", map[string]any{"language": 7}, 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := e.do(request{method: "POST", path: "/v1/conversations", token: token, body: tt.body})
			require.Equal(t, tt.status, rec.Code, rec.Body.String())
			if tt.status == 400 {
				assert.Equal(t, "language", decodeError(t, rec).Error.Field)
			}
		})
	}
}
