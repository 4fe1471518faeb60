package api

import (
	"bytes"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"unicode/utf8"

	"github.com/labstack/echo/v4"
)

// OpenAI's chat-completions wire format, as much of it as the bot speaks.

// chatRequest is the part of OpenAI's request the bot uses. Sampling options and the like
// are accepted and ignored: clients send them by default.
type chatRequest struct {
	Model    string          `json:"model"`
	Messages []chatMessageIn `json:"messages"`
	Stream   bool            `json:"stream"`
	// User names the conversation, per token owner.
	User string `json:"user"`
}

type chatMessageIn struct {
	Role    string          `json:"role"`
	Content json.RawMessage `json:"content"`
}

type chatCompletionOut struct {
	ID      string          `json:"id"`
	Object  string          `json:"object"`
	Created int64           `json:"created"`
	Model   string          `json:"model"`
	Choices []chatChoiceOut `json:"choices"`
	Usage   chatUsageOut    `json:"usage"`
	Faqbot  faqbotExtOut    `json:"faqbot"`
}

type chatChoiceOut struct {
	Index        int            `json:"index"`
	Message      chatMessageOut `json:"message"`
	FinishReason string         `json:"finish_reason"`
}

type chatMessageOut struct {
	Role    string `json:"role"`
	Content string `json:"content"`
}

// chatUsageOut is all zeros: the bot does not count tokens, and clients expect the field.
type chatUsageOut struct {
	PromptTokens     int `json:"prompt_tokens"`
	CompletionTokens int `json:"completion_tokens"`
	TotalTokens      int `json:"total_tokens"`
}

// faqbotExtOut is our extension of OpenAI's objects: what the bot decided.
type faqbotExtOut struct {
	ConversationID string        `json:"conversation_id"`
	Decision       string        `json:"decision"`
	State          string        `json:"state"`
	Ticket         *ticketRefOut `json:"ticket"`
}

type chatChunkOut struct {
	ID      string           `json:"id"`
	Object  string           `json:"object"`
	Created int64            `json:"created"`
	Model   string           `json:"model"`
	Choices []chatChunkDelta `json:"choices"`
	Faqbot  *faqbotExtOut    `json:"faqbot,omitempty"`
}

type chatChunkDelta struct {
	Index        int          `json:"index"`
	Delta        chatDeltaOut `json:"delta"`
	FinishReason *string      `json:"finish_reason"`
}

type chatDeltaOut struct {
	Role    string `json:"role,omitempty"`
	Content string `json:"content,omitempty"`
}

// decodeLenientJSON is decodeJSON without the refusal of unknown fields: OpenAI clients send
// many options the bot has no use for.
func decodeLenientJSON(c echo.Context, dst any) error {
	req := c.Request()
	ct := req.Header.Get(echo.HeaderContentType)
	if mt, _, err := mime.ParseMediaType(ct); err != nil || mt != echo.MIMEApplicationJSON {
		return newError(http.StatusUnsupportedMediaType, codeUnsupportedMedia, msgJSONType, clip(ct))
	}
	body, err := io.ReadAll(req.Body)
	if err != nil {
		return err
	}
	if !utf8.Valid(body) {
		return invalid("", msgNotUTF8)
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return invalid("", msgEmptyBody)
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(dst); err != nil {
		return jsonError(err, dst)
	}
	if _, err := dec.Token(); err != io.EOF {
		return invalid("", msgTrailing)
	}
	return nil
}

// openAIErrorBody is OpenAI's error shape, which its clients parse.
type openAIErrorBody struct {
	Error openAIErrorDetail `json:"error"`
}

type openAIErrorDetail struct {
	Message string  `json:"message"`
	Type    string  `json:"type"`
	Param   *string `json:"param"`
	Code    string  `json:"code"`
}

func openAIErrorOf(e *apiError, c echo.Context) openAIErrorBody {
	typ := "invalid_request_error"
	switch {
	case e.status == http.StatusUnauthorized:
		typ = "authentication_error"
	case e.status == http.StatusForbidden:
		typ = "permission_error"
	case e.status == http.StatusNotFound:
		typ = "not_found_error"
	case e.status == http.StatusConflict:
		typ = "conflict_error"
	case e.status == http.StatusTooManyRequests:
		typ = "rate_limit_error"
	case e.status >= http.StatusInternalServerError:
		typ = "server_error"
	}
	body := e.body(c).Error
	out := openAIErrorBody{Error: openAIErrorDetail{Message: body.Message, Type: typ, Code: body.Code}}
	if body.Field != "" {
		out.Error.Param = &body.Field
	}
	if e.code == codeInternal {
		// The request id is what an operator needs to find the cause.
		out.Error.Message += " (request_id " + body.RequestID + ")"
	}
	return out
}
