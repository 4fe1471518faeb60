package llm

import (
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"time"
)

// Defaults applied by New to zero fields of Config.
const (
	DefaultBaseURL         = "https://api.openai.com/v1"
	DefaultChatModel       = "gpt-4o-mini"
	DefaultEmbeddingModel  = "text-embedding-3-small"
	DefaultTimeout         = 30 * time.Second
	DefaultMaxRetries      = 2
	DefaultBreakerFailures = 5
	DefaultBreakerCooldown = 30 * time.Second
	DefaultEmbedBatch      = 64
	DefaultBackoffBase     = 250 * time.Millisecond
	DefaultBackoffMax      = 10 * time.Second
)

// Config configures a Client for one OpenAI-compatible server. Zero fields take the defaults
// above, so a Config holding only an APIKey talks to OpenAI itself.
type Config struct {
	APIKey  string `json:"-"`
	BaseURL string
	// ChatModel and EmbeddingModel are the server's model (or Azure deployment) names.
	ChatModel      string
	EmbeddingModel string
	// EmbeddingDimensions is the vector length the store expects; 0 learns it from the server
	// (Embedder.Probe). Models that can shorten their output (text-embedding-3-*) are asked for it.
	EmbeddingDimensions int
	// Timeout bounds each attempt of a non-streaming call, and for streams the wait for the first
	// delta and between deltas, so a long but live answer is never cut.
	Timeout time.Duration
	// MaxRetries is how many times a failed attempt is repeated; 0 means the default, a negative
	// value disables retries.
	MaxRetries int
	// BreakerFailures consecutive failed attempts open the circuit for BreakerCooldown; 0 means
	// the default, a negative value disables the breaker.
	BreakerFailures int
	BreakerCooldown time.Duration
	// EmbedBatch is the number of texts sent per embeddings request.
	EmbedBatch int
	// BackoffBase and BackoffMax shape the exponential backoff with full jitter; BackoffMax
	// also caps how long a server's Retry-After is honoured, because a user is waiting.
	BackoffBase time.Duration
	BackoffMax  time.Duration
}

func (c Config) withDefaults() Config {
	if c.BaseURL == "" {
		c.BaseURL = DefaultBaseURL
	}
	if c.ChatModel == "" {
		c.ChatModel = DefaultChatModel
	}
	if c.EmbeddingModel == "" {
		c.EmbeddingModel = DefaultEmbeddingModel
	}
	if c.Timeout <= 0 {
		c.Timeout = DefaultTimeout
	}
	switch {
	case c.MaxRetries == 0:
		c.MaxRetries = DefaultMaxRetries
	case c.MaxRetries < 0:
		c.MaxRetries = 0
	}
	if c.BreakerFailures == 0 {
		c.BreakerFailures = DefaultBreakerFailures
	}
	if c.BreakerCooldown <= 0 {
		c.BreakerCooldown = DefaultBreakerCooldown
	}
	if c.EmbedBatch <= 0 {
		c.EmbedBatch = DefaultEmbedBatch
	}
	if c.BackoffBase <= 0 {
		c.BackoffBase = DefaultBackoffBase
	}
	if c.BackoffMax <= 0 {
		c.BackoffMax = DefaultBackoffMax
	}
	if c.BackoffMax < c.BackoffBase {
		c.BackoffMax = c.BackoffBase
	}
	return c
}

// Validate reports the first field that cannot work. New does not call it, so that cmd decides
// whether a bad LLM setting is fatal or only disables the model.
func (c Config) Validate() error {
	if c.BaseURL != "" {
		u, err := url.Parse(c.BaseURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("llm: BaseURL %q: want an absolute http(s) URL: %w", c.BaseURL, ErrInvalidConfig)
		}
	}
	var errs []error
	check := func(bad bool, field string) {
		if bad {
			errs = append(errs, fmt.Errorf("llm: %s must not be negative: %w", field, ErrInvalidConfig))
		}
	}
	check(c.EmbeddingDimensions < 0, "EmbeddingDimensions")
	check(c.Timeout < 0, "Timeout")
	check(c.BreakerCooldown < 0, "BreakerCooldown")
	check(c.EmbedBatch < 0, "EmbedBatch")
	check(c.BackoffBase < 0, "BackoffBase")
	check(c.BackoffMax < 0, "BackoffMax")
	return errors.Join(errs...)
}

func maskKey(key string) string {
	if key == "" {
		return "(none)"
	}
	return "(set)"
}

// String masks the API key so a Config can be printed or logged.
func (c Config) String() string {
	return fmt.Sprintf("llm.Config{APIKey:%s BaseURL:%s ChatModel:%s EmbeddingModel:%s "+
		"EmbeddingDimensions:%d Timeout:%s MaxRetries:%d BreakerFailures:%d BreakerCooldown:%s "+
		"EmbedBatch:%d BackoffBase:%s BackoffMax:%s}",
		maskKey(c.APIKey), c.BaseURL, c.ChatModel, c.EmbeddingModel, c.EmbeddingDimensions,
		c.Timeout, c.MaxRetries, c.BreakerFailures, c.BreakerCooldown, c.EmbedBatch,
		c.BackoffBase, c.BackoffMax)
}

// GoString keeps %#v from printing the key.
func (c Config) GoString() string { return c.String() }

// LogValue keeps slog's JSON handler, which would otherwise marshal the struct, from
// printing the key.
func (c Config) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("api_key", maskKey(c.APIKey)),
		slog.String("base_url", c.BaseURL),
		slog.String("chat_model", c.ChatModel),
		slog.String("embedding_model", c.EmbeddingModel),
		slog.Int("embedding_dimensions", c.EmbeddingDimensions),
		slog.Duration("timeout", c.Timeout),
		slog.Int("max_retries", c.MaxRetries),
		slog.Int("breaker_failures", c.BreakerFailures),
		slog.Duration("breaker_cooldown", c.BreakerCooldown),
		slog.Int("embed_batch", c.EmbedBatch),
	)
}
