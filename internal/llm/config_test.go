package llm_test

import (
	"bytes"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/faqbot/faqbot/internal/llm"
)

func TestConfigNeverShowsTheKey(t *testing.T) {
	cfg := llm.Config{APIKey: testKey, BaseURL: "https://example.test/v1", ChatModel: "qwen-plus"}
	var buf bytes.Buffer
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("config", "llm", cfg)
	slog.New(slog.NewTextHandler(&buf, nil)).Info("config", "llm", cfg)

	for name, out := range map[string]string{
		"String": cfg.String(),
		"%v":     fmt.Sprintf("%v", cfg),
		"%+v":    fmt.Sprintf("%+v", cfg),
		"%#v":    fmt.Sprintf("%#v", cfg),
		"slog":   buf.String(),
	} {
		assert.NotContains(t, out, testKey, name)
		assert.NotContains(t, out, "1234", name)
		assert.Contains(t, out, "qwen-plus", name)
	}
	assert.Contains(t, llm.Config{}.String(), "APIKey:(none)")
}

func TestConfigDefaults(t *testing.T) {
	got := llm.New(llm.Config{APIKey: "k", MaxRetries: -1, BreakerFailures: -1}, nil).Config()
	assert.Equal(t, llm.DefaultBaseURL, got.BaseURL)
	assert.Equal(t, llm.DefaultChatModel, got.ChatModel)
	assert.Equal(t, llm.DefaultTimeout, got.Timeout)
	assert.Equal(t, 0, got.MaxRetries, "negative disables retries")
	assert.Equal(t, llm.DefaultEmbedBatch, got.EmbedBatch)

	got = llm.New(llm.Config{}, nil).Config()
	assert.Equal(t, llm.DefaultMaxRetries, got.MaxRetries)
	assert.Equal(t, llm.DefaultBreakerFailures, got.BreakerFailures)
}

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name    string
		cfg     llm.Config
		wantMsg string
	}{
		{name: "zero is fine", cfg: llm.Config{}},
		{name: "ollama", cfg: llm.Config{BaseURL: "http://localhost:11434/v1"}},
		{name: "relative URL", cfg: llm.Config{BaseURL: "localhost:11434"}, wantMsg: "BaseURL"},
		{name: "no host", cfg: llm.Config{BaseURL: "https:///v1"}, wantMsg: "BaseURL"},
		{name: "negative timeout", cfg: llm.Config{Timeout: -time.Second}, wantMsg: "Timeout"},
		{name: "negative dimensions", cfg: llm.Config{EmbeddingDimensions: -1}, wantMsg: "EmbeddingDimensions"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.cfg.Validate()
			if tt.wantMsg == "" {
				assert.NoError(t, err)
				return
			}
			assert.ErrorIs(t, err, llm.ErrInvalidConfig)
			assert.ErrorContains(t, err, tt.wantMsg)
		})
	}
}
