package main

import (
	"bytes"
	"flag"
	"io"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/faqbot/faqbot/bot"
	"github.com/faqbot/faqbot/handoff"
	"github.com/faqbot/faqbot/knowledge"
)

func envOf(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestConfigPrecedence(t *testing.T) {
	env := envOf(map[string]string{
		"FAQBOT_ADDR":            ":9000",
		"FAQBOT_RATE_LIMIT":      "5",
		"FAQBOT_LLM_TIMEOUT":     "3s",
		"DATABASE_URL":           "postgres://u:hunter2@db:5432/x",
		"FAQBOT_DEMO_DATA":       "false",
		"FAQBOT_MAX_BODY_BYTES":  "4096",
		"FAQBOT_IDEMPOTENCY_TTL": "48h",
	})
	cfg, rest, err := parseConfig("serve", []string{"--addr", "127.0.0.1:0", "extra"}, env, io.Discard, nil)
	require.NoError(t, err)
	assert.Equal(t, "127.0.0.1:0", cfg.Addr, "a flag wins over the environment")
	assert.Equal(t, 5.0, cfg.RateLimit, "the environment wins over the default")
	assert.Equal(t, 3*time.Second, cfg.LLMTimeout)
	assert.False(t, cfg.DemoData)
	assert.Equal(t, int64(4096), cfg.MaxBodyBytes)
	assert.Equal(t, 48*time.Hour, cfg.IdempotencyTTL)
	assert.Equal(t, knowledge.DefaultLocalDimensions, cfg.LocalDims, "defaults stay")
	assert.Equal(t, []string{"extra"}, rest)
	assert.False(t, cfg.anonymousAllowed(), "anonymous chat is off with a database")
	assert.NotContains(t, cfg.String(), "hunter2", "the password is masked")
}

func TestConfigErrorsNameTheSetting(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		args []string
		want string
	}{
		{"bad number in env", map[string]string{"FAQBOT_LOCAL_DIMENSIONS": "many"}, nil, "FAQBOT_LOCAL_DIMENSIONS"},
		{"bad duration in env", map[string]string{"FAQBOT_LLM_TIMEOUT": "soon"}, nil, "FAQBOT_LLM_TIMEOUT"},
		{"bad bool in env", map[string]string{"FAQBOT_DEMO_DATA": "maybe"}, nil, "FAQBOT_DEMO_DATA"},
		{"anonymous not a bool", map[string]string{"FAQBOT_ANONYMOUS": "sometimes"}, nil, "FAQBOT_ANONYMOUS"},
		{"dimension out of range", nil, []string{"--local-dimensions", "3"}, "FAQBOT_LOCAL_DIMENSIONS"},
		{"openai embedder without key", map[string]string{"FAQBOT_EMBEDDER": "openai"}, nil, "OPENAI_API_KEY"},
		{"unknown log format", map[string]string{"FAQBOT_LOG_FORMAT": "xml"}, nil, "FAQBOT_LOG_FORMAT"},
		{"sweep interval not a duration", map[string]string{"FAQBOT_SWEEP_INTERVAL": "often"}, nil, "FAQBOT_SWEEP_INTERVAL"},
		{"sweep interval zero", nil, []string{"--sweep-interval", "0s"}, "FAQBOT_SWEEP_INTERVAL"},
		{"idempotency TTL not a duration", map[string]string{"FAQBOT_IDEMPOTENCY_TTL": "a day"}, nil, "FAQBOT_IDEMPOTENCY_TTL"},
		{"idempotency TTL too short", nil, []string{"--idempotency-ttl", "30s"}, "FAQBOT_IDEMPOTENCY_TTL"},
		{"queues not pairs", map[string]string{"FAQBOT_ROUTING": "account"}, nil, "FAQBOT_ROUTING"},
		{"queue name with spaces", nil, []string{"--routing", "payment=big money"}, "FAQBOT_ROUTING"},
		{"senior queue not a name", map[string]string{"FAQBOT_SENIOR_QUEUE": "VIP!"}, nil, "FAQBOT_SENIOR_QUEUE"},
		{"SLA tier unknown", map[string]string{"FAQBOT_SLA": "P0=10s"}, nil, "FAQBOT_SLA"},
		{"SLA upside down", map[string]string{"FAQBOT_SLA": "P1=3h"}, nil, "FAQBOT_SLA"},
		{"claim lease too short", nil, []string{"--claim-lease", "1s"}, "FAQBOT_CLAIM_LEASE"},
		{"webhook allow-list not CIDRs", map[string]string{"FAQBOT_WEBHOOK_ALLOW": "10.0.0.0/8,intranet"}, nil, "FAQBOT_WEBHOOK_ALLOW"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := parseConfig("serve", tt.args, envOf(tt.env), io.Discard, nil)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}

func TestConfigRoutesTickets(t *testing.T) {
	cfg, _, err := parseConfig("serve", []string{"--sla", "P3=8h"}, envOf(map[string]string{
		"FAQBOT_ROUTING": "account=account,payment=billing,general=general", "FAQBOT_SENIOR_QUEUE": "vip",
		"FAQBOT_CLAIM_LEASE": "2m",
	}), io.Discard, nil)
	require.NoError(t, err)
	p, err := cfg.policy()
	require.NoError(t, err)
	assert.Equal(t, []string{"account", "billing", "general", "vip"}, p.Queues())
	assert.Equal(t, 8*time.Hour, p.SLA[handoff.P3])
	assert.Equal(t, 30*time.Second, p.SLA[handoff.P1], "tiers left out keep the default")
	assert.Equal(t, 2*time.Minute, p.Lease)
	angry := p.Open(handoff.OpenRequest{Category: "payment", Angry: true, Trigger: handoff.TriggerAngry}, time.Now())
	assert.Equal(t, "vip", angry.Queue)

	defaults, _, err := parseConfig("serve", nil, envOf(nil), io.Discard, nil)
	require.NoError(t, err)
	p, err = defaults.policy()
	require.NoError(t, err)
	assert.Equal(t, handoff.DefaultPolicy().Queues(), p.Queues())
	assert.Equal(t, handoff.DefaultLease, p.Lease)
}

func TestConfigDefaultsOfDemoMode(t *testing.T) {
	cfg, _, err := parseConfig("serve", nil, envOf(nil), io.Discard, nil)
	require.NoError(t, err)
	assert.True(t, cfg.anonymousAllowed(), "anonymous chat is on in the demo mode")
	assert.Equal(t, bot.DefaultTurnKeyTTL, cfg.IdempotencyTTL)
	assert.False(t, cfg.useOpenAIEmbedder())
	cfg.OpenAIKey = "sk-test"
	assert.True(t, cfg.useOpenAIEmbedder(), "a key selects the server's embeddings")
	assert.NotContains(t, cfg.String(), "sk-test")
}

func TestUnknownCommandAndHelp(t *testing.T) {
	var out, errOut bytes.Buffer
	err := run(t.Context(), []string{"frobnicate"}, envOf(nil), &out, &errOut)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "frobnicate")
	assert.Contains(t, errOut.String(), "Usage:")

	out.Reset()
	require.NoError(t, run(t.Context(), []string{"help"}, envOf(nil), &out, &errOut))
	assert.Contains(t, out.String(), "token create")

	err = run(t.Context(), []string{"serve", "-h"}, envOf(nil), &out, &errOut)
	assert.ErrorIs(t, err, flag.ErrHelp)
}

func TestCommandsThatNeedADatabaseSayWhy(t *testing.T) {
	for _, args := range [][]string{{"migrate"}, {"reindex"}, {"token", "create", "--role", "editor"}} {
		t.Run(args[0], func(t *testing.T) {
			err := run(t.Context(), args, envOf(nil), io.Discard, io.Discard)
			require.Error(t, err)
			assert.Contains(t, err.Error(), "DATABASE_URL")
		})
	}
}
