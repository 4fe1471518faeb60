// Package llm talks to any OpenAI-compatible server (OpenAI, Azure, DeepSeek, Qwen, Ollama,
// vLLM, LocalAI) for chat, streamed chat and embeddings. It is the only package that imports
// go-openai, and it imports no other faqbot package: callers adapt its small types.
//
// Every call has a deadline, bounded retries with jittered backoff on 429, 5xx and network
// errors, and goes through one circuit breaker shared by chat and embeddings, so that a dead
// server costs callers nothing but an immediate ErrUnavailable and their own fallback.
package llm

import (
	"io"
	"log/slog"

	openai "github.com/sashabaranov/go-openai"
)

// Client is safe for concurrent use.
type Client struct {
	cfg      Config
	api      *openai.Client
	breaker  *breaker
	logger   *slog.Logger
	embedder *Embedder
}

// New builds a Client; zero Config fields take the package defaults. It does not contact the
// server (see Embedder.Probe for a start-up check). A nil logger discards.
func New(cfg Config, logger *slog.Logger) *Client {
	cfg = cfg.withDefaults()
	if logger == nil {
		logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	logger = logger.With("component", "llm")

	oc := openai.DefaultConfig(cfg.APIKey)
	oc.BaseURL = cfg.BaseURL
	oc.HTTPClient = hintDoer{client: newHTTPClient(cfg.Timeout)}

	c := &Client{
		cfg:     cfg,
		api:     openai.NewClientWithConfig(oc),
		breaker: newBreaker(cfg.BreakerFailures, cfg.BreakerCooldown, logger),
		logger:  logger,
	}
	c.embedder = newEmbedder(c)
	return c
}

// Config returns the effective configuration, defaults applied.
func (c *Client) Config() Config { return c.cfg }

// Embedder returns the client's embedder; it is the same value on every call, so a dimension
// learned by Probe is kept.
func (c *Client) Embedder() *Embedder { return c.embedder }
