package llm

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	openai "github.com/sashabaranov/go-openai"
)

// Roles of a chat message.
const (
	RoleSystem    = "system"
	RoleUser      = "user"
	RoleAssistant = "assistant"
)

// Message is one chat message.
type Message struct {
	Role    string
	Content string
}

// Reply is the model's answer. FinishReason is the server's ("stop", "length",
// "content_filter", ...); token counts are zero when the server does not report them.
type Reply struct {
	Content          string
	FinishReason     string
	PromptTokens     int
	CompletionTokens int
}

// ChatOptions tunes one call. Zero values leave the server's defaults.
type ChatOptions struct {
	// Temperature 0 is not sent (the server's default applies); use a small positive value
	// for near-deterministic output.
	Temperature float32
	MaxTokens   int
	// JSON asks for a JSON object (response_format json_object); the prompt must mention JSON.
	JSON bool
}

// Chat sends msgs and returns the whole reply.
func (c *Client) Chat(ctx context.Context, msgs []Message, opts ChatOptions) (Reply, error) {
	req, err := c.chatRequest(msgs, opts)
	if err != nil {
		return Reply{}, fmt.Errorf("llm: chat: %w", err)
	}
	var reply Reply
	err = c.do(ctx, "chat", func(ctx context.Context, _ *idleTimer) error {
		resp, err := c.api.CreateChatCompletion(ctx, req)
		if err != nil {
			return err
		}
		if len(resp.Choices) == 0 {
			return &badResponse{msg: "chat response has no choices", retry: true}
		}
		choice := resp.Choices[0]
		reply = Reply{
			Content:          choice.Message.Content,
			FinishReason:     string(choice.FinishReason),
			PromptTokens:     resp.Usage.PromptTokens,
			CompletionTokens: resp.Usage.CompletionTokens,
		}
		return nil
	}, nil)
	if err != nil {
		return Reply{}, err
	}
	return reply, nil
}

// ChatStream is Chat with the reply delivered piece by piece to onDelta, in order. It retries
// only until the first piece is delivered: after that a failure returns the text received so
// far together with the error, and the caller decides how to finish. An error from onDelta
// stops the stream and is returned (wrapped). A nil onDelta only collects the reply.
func (c *Client) ChatStream(ctx context.Context, msgs []Message, opts ChatOptions, onDelta func(string) error) (Reply, error) {
	if onDelta == nil {
		onDelta = func(string) error { return nil }
	}
	req, err := c.chatRequest(msgs, opts)
	if err != nil {
		return Reply{}, fmt.Errorf("llm: chat stream: %w", err)
	}
	// Usage arrives in a last chunk without choices; servers that ignore the option still stream.
	req.StreamOptions = &openai.StreamOptions{IncludeUsage: true}

	var (
		reply     Reply
		content   strings.Builder
		delivered bool
	)
	err = c.do(ctx, "chat stream", func(ctx context.Context, idle *idleTimer) error {
		stream, err := c.api.CreateChatCompletionStream(ctx, req)
		if err != nil {
			return err
		}
		defer stream.Close()
		reply = Reply{} // nothing was delivered by an earlier attempt, or it would not be retried
		idle.resume()
		for {
			chunk, err := stream.Recv()
			if errors.Is(err, io.EOF) {
				if reply.FinishReason == "" {
					// [DONE] and a clean close look alike to go-openai; a reply that never said
					// why it stopped may be cut short.
					return &badResponse{msg: "stream ended without a finish reason", retry: true}
				}
				return nil
			}
			if err != nil {
				return err
			}
			idle.resume()
			if chunk.Usage != nil {
				reply.PromptTokens = chunk.Usage.PromptTokens
				reply.CompletionTokens = chunk.Usage.CompletionTokens
			}
			if len(chunk.Choices) == 0 {
				continue
			}
			choice := chunk.Choices[0]
			if choice.FinishReason != "" && choice.FinishReason != openai.FinishReasonNull {
				reply.FinishReason = string(choice.FinishReason)
			}
			if choice.Delta.Content == "" {
				continue
			}
			delivered = true
			content.WriteString(choice.Delta.Content)
			idle.pause()
			if err := onDelta(choice.Delta.Content); err != nil {
				return &callerError{err: err}
			}
			idle.resume()
		}
	}, func() bool { return !delivered })
	reply.Content = content.String()
	return reply, err
}

func (c *Client) chatRequest(msgs []Message, opts ChatOptions) (openai.ChatCompletionRequest, error) {
	if len(msgs) == 0 {
		return openai.ChatCompletionRequest{}, fmt.Errorf("messages: empty: %w", ErrBadRequest)
	}
	if opts.Temperature < 0 || opts.Temperature > 2 {
		return openai.ChatCompletionRequest{}, fmt.Errorf("temperature: %v is outside 0..2: %w", opts.Temperature, ErrBadRequest)
	}
	if opts.MaxTokens < 0 {
		return openai.ChatCompletionRequest{}, fmt.Errorf("max tokens: %d is negative: %w", opts.MaxTokens, ErrBadRequest)
	}
	out := make([]openai.ChatCompletionMessage, len(msgs))
	for i, m := range msgs {
		switch m.Role {
		case RoleSystem, RoleUser, RoleAssistant:
		default:
			return openai.ChatCompletionRequest{}, fmt.Errorf("messages[%d].role: %q is not system, user or assistant: %w", i, m.Role, ErrBadRequest)
		}
		out[i] = openai.ChatCompletionMessage{Role: m.Role, Content: m.Content}
	}
	req := openai.ChatCompletionRequest{
		Model:       c.cfg.ChatModel,
		Messages:    out,
		MaxTokens:   opts.MaxTokens,
		Temperature: opts.Temperature,
	}
	if opts.JSON {
		req.ResponseFormat = &openai.ChatCompletionResponseFormat{Type: openai.ChatCompletionResponseFormatTypeJSONObject}
	}
	// max_tokens is what most compatible servers understand; reasoning models (o-series, gpt-5)
	// refuse it and fixed sampling, so for them the request is reshaped rather than failed.
	if openai.NewReasoningValidator().Validate(req) != nil {
		req.MaxCompletionTokens, req.MaxTokens = req.MaxTokens, 0
		req.Temperature = 0
	}
	return req, nil
}
