package api_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/sashabaranov/go-openai"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// openAIClient is the go-openai client an OpenAI-speaking app would use, pointed at us.
func openAIClient(base, token string) *openai.Client {
	cfg := openai.DefaultConfig(token)
	cfg.BaseURL = base + "/v1"
	return openai.NewClientWithConfig(cfg)
}

func chatRequest(user string, texts ...string) openai.ChatCompletionRequest {
	req := openai.ChatCompletionRequest{Model: "anything", User: user,
		Messages: []openai.ChatCompletionMessage{{Role: openai.ChatMessageRoleSystem, Content: "You are helpful."}}}
	for i, s := range texts {
		role := openai.ChatMessageRoleUser
		if i%2 == 1 {
			role = openai.ChatMessageRoleAssistant
		}
		req.Messages = append(req.Messages, openai.ChatCompletionMessage{Role: role, Content: s})
	}
	return req
}

type faqbotExt struct {
	ConversationID string      `json:"conversation_id"`
	Decision       string      `json:"decision"`
	State          string      `json:"state"`
	Ticket         *ticketJSON `json:"ticket"`
}

func TestChatCompletionsWithTheOpenAIClient(t *testing.T) {
	e := newUserEnv(t, userEnvOptions{secret: userSecret})
	srv := serve(t, e)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	client := openAIClient(srv.URL, userToken(t, "openai-user"))

	t.Run("non-stream", func(t *testing.T) {
		// Earlier turns a chat UI resends are ignored: the last user message is the question.
		res, err := client.CreateChatCompletion(ctx, chatRequest("chat-1", "hello", "Hi! How can I help?", "How do I delete my account?"))
		require.NoError(t, err)
		assert.Equal(t, "chat.completion", res.Object)
		assert.Equal(t, "faqbot", res.Model)
		assert.True(t, strings.HasPrefix(res.ID, "chatcmpl-"))
		assert.Positive(t, res.Created)
		require.Len(t, res.Choices, 1)
		assert.Equal(t, openai.ChatMessageRoleAssistant, res.Choices[0].Message.Role)
		assert.NotEmpty(t, res.Choices[0].Message.Content)
		assert.Equal(t, openai.FinishReasonStop, res.Choices[0].FinishReason)
		assert.Zero(t, res.Usage.TotalTokens)
	})

	t.Run("stream", func(t *testing.T) {
		stream, err := client.CreateChatCompletionStream(ctx, chatRequest("chat-1", "收不到验证码怎么办"))
		require.NoError(t, err)
		defer stream.Close()
		var content strings.Builder
		var last openai.ChatCompletionStreamResponse
		var lastExt map[string]json.RawMessage
		chunks := 0
		for {
			raw, err := stream.RecvRaw()
			if errors.Is(err, io.EOF) {
				break
			}
			require.NoError(t, err)
			var chunk openai.ChatCompletionStreamResponse
			require.NoError(t, json.Unmarshal(raw, &chunk))
			require.NoError(t, json.Unmarshal(raw, &lastExt))
			assert.Equal(t, "chat.completion.chunk", chunk.Object)
			assert.Equal(t, "faqbot", chunk.Model)
			require.Len(t, chunk.Choices, 1)
			if chunks == 0 {
				assert.Equal(t, openai.ChatMessageRoleAssistant, chunk.Choices[0].Delta.Role, "the first chunk names the role")
			}
			content.WriteString(chunk.Choices[0].Delta.Content)
			last = chunk
			chunks++
		}
		assert.GreaterOrEqual(t, chunks, 2)
		assert.NotEmpty(t, content.String())
		assert.Equal(t, openai.FinishReasonStop, last.Choices[0].FinishReason, "the last chunk finishes")
		var ext faqbotExt
		require.NoError(t, json.Unmarshal(lastExt["faqbot"], &ext), "the last chunk carries the extension")
		assert.Equal(t, "answer", ext.Decision)
		assert.Equal(t, "bot", ext.State)
		assert.NotEmpty(t, ext.ConversationID)
	})

	t.Run("one conversation per user field", func(t *testing.T) {
		token := userToken(t, "openai-user")
		first := e.rawCompletion(token, `{"model":"x","user":"chat-2","messages":[{"role":"user","content":"How do I delete my account?"}]}`)
		again := e.rawCompletion(token, `{"model":"x","user":"chat-2","messages":[{"role":"user","content":[{"type":"text","text":"收不到验证码怎么办"}]}]}`)
		other := e.rawCompletion(token, `{"model":"x","user":"chat-3","messages":[{"role":"user","content":"How do I delete my account?"}]}`)
		stranger := e.rawCompletion(userToken(t, "another owner"), `{"model":"x","user":"chat-2","messages":[{"role":"user","content":"How do I delete my account?"}]}`)
		assert.Equal(t, first.ConversationID, again.ConversationID, "the same user field continues the conversation")
		assert.NotEqual(t, first.ConversationID, other.ConversationID)
		assert.NotEqual(t, first.ConversationID, stranger.ConversationID, "two owners never share a conversation")
		assert.Len(t, e.transcript(token, first.ConversationID, "").Items, 4, "both turns are in one transcript")
		assert.Equal(t, "answer", first.Decision)
	})

	t.Run("handoff shows in the extension", func(t *testing.T) {
		ext := e.rawCompletion(userToken(t, "openai-user"), `{"model":"x","user":"chat-4","messages":[{"role":"user","content":"转人工"}]}`)
		assert.Equal(t, "handoff", ext.Decision)
		assert.Equal(t, "queued", ext.State)
		require.NotNil(t, ext.Ticket)
		assert.NotEmpty(t, ext.Ticket.Number)
	})
}

// rawCompletion posts a completion as JSON and returns its faqbot extension.
func (e *userEnv) rawCompletion(token, body string) faqbotExt {
	e.t.Helper()
	var out struct {
		Faqbot faqbotExt `json:"faqbot"`
	}
	e.json(request{method: "POST", path: "/v1/chat/completions", token: token, body: body}, http.StatusOK, &out)
	require.NotEmpty(e.t, out.Faqbot.ConversationID)
	return out.Faqbot
}

func TestChatCompletionsWithAConversationToken(t *testing.T) {
	e := newUserEnv(t, userEnvOptions{anonymous: true})
	srv := serve(t, e)
	conv := e.start("")
	client := openAIClient(srv.URL, conv.Token)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	res, err := client.CreateChatCompletion(ctx, chatRequest("ignored", "How do I delete my account?"))
	require.NoError(t, err)
	assert.NotEmpty(t, res.Choices[0].Message.Content)
	assert.Len(t, e.transcript(conv.Token, conv.ID, "").Items, 2, "the token's own conversation got the turn")
}

func TestChatCompletionsErrorsInOpenAIShape(t *testing.T) {
	e := newUserEnv(t, userEnvOptions{secret: userSecret})
	srv := serve(t, e)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	user := userToken(t, "openai-user")
	tests := []struct {
		name   string
		token  string
		req    openai.ChatCompletionRequest
		status int
		typ    string
	}{
		{"staff token", e.agent, chatRequest("u", "hi"), 403, "permission_error"},
		{"no token", "", chatRequest("u", "hi"), 401, "authentication_error"},
		{"expired token", "eyJhbGciOiJub25lIn0.e30.", chatRequest("u", "hi"), 401, "authentication_error"},
		{"no user message", user, openai.ChatCompletionRequest{Model: "m", Messages: []openai.ChatCompletionMessage{{Role: "system", Content: "x"}}}, 400, "invalid_request_error"},
		{"empty text", user, chatRequest("u", "   "), 400, "invalid_request_error"},
		{"too large", user, chatRequest("u", strings.Repeat("a", 8<<10+1)), 413, "invalid_request_error"},
		{"user too long", user, chatRequest(strings.Repeat("u", 300), "hi"), 400, "invalid_request_error"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := openAIClient(srv.URL, tt.token).CreateChatCompletion(ctx, tt.req)
			var apiErr *openai.APIError
			require.ErrorAs(t, err, &apiErr)
			assert.Equal(t, tt.status, apiErr.HTTPStatusCode)
			assert.Equal(t, tt.typ, apiErr.Type)
			assert.NotEmpty(t, apiErr.Message)
			assert.NotEmpty(t, apiErr.Code)

			stream, err := openAIClient(srv.URL, tt.token).CreateChatCompletionStream(ctx, tt.req)
			if stream != nil {
				stream.Close()
			}
			require.ErrorAs(t, err, &apiErr, "a stream refused before it starts is an error too")
			assert.Equal(t, tt.status, apiErr.HTTPStatusCode)
		})
	}

	rec := e.do(request{method: "POST", path: "/v1/chat/completions", token: user, body: `{"messages":[{"role":"user","content":7}]}`})
	require.Equal(t, http.StatusBadRequest, rec.Code)
	var body struct {
		Error struct {
			Message string  `json:"message"`
			Type    string  `json:"type"`
			Param   *string `json:"param"`
			Code    string  `json:"code"`
		} `json:"error"`
	}
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &body), rec.Body.String())
	require.NotNil(t, body.Error.Param)
	assert.Equal(t, "messages[0].content", *body.Error.Param)
	assert.Equal(t, "invalid", body.Error.Code)
}
