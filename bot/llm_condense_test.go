package bot_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/faqbot/faqbot/bot"
)

// scriptedRewrites answers a condense request by looking up the fenced latest message, like a
// model that rewrites follow-ups and returns standalone questions unchanged; it fails the
// test on a message it has no line for.
func scriptedRewrites(t *testing.T, script map[string]string) oaiHandler {
	return func(w http.ResponseWriter, r *http.Request, call int, body oaiRequest) {
		prompt := body.content("user")
		_, after, ok := strings.Cut(prompt, "<<<LATEST\n")
		latest, _, _ := strings.Cut(after, "\n>>>")
		rewrite, known := script[latest]
		if !ok || !known {
			t.Errorf("condense request for an unscripted message %q", latest)
			oaiError(http.StatusBadRequest, "invalid_request_error")(w, r, call, body)
			return
		}
		oaiReply(rewrite)(w, r, call, body)
	}
}

// TestEngineWithLLMCondenser runs scripted conversations through the engine: follow-ups reach
// retrieval as standalone questions about the user's new subject, and a first message costs no
// model call.
func TestEngineWithLLMCondenser(t *testing.T) {
	tests := []struct {
		name      string
		messages  []string
		script    map[string]string
		wantAsked []string
		wantCalls int32
	}{
		{
			name:      "Chinese",
			messages:  []string{"充值多久到账", "那提现呢?", "提现要手续费吗"},
			script:    map[string]string{"那提现呢?": "提现多久到账？", "提现要手续费吗": "提现要手续费吗"},
			wantAsked: []string{"充值多久到账", "提现多久到账？", "提现要手续费吗"},
			wantCalls: 2,
		},
		{
			name:      "English",
			messages:  []string{"how do I get a refund", "and for coins?"},
			script:    map[string]string{"and for coins?": "How do I get a refund for coins?"},
			wantAsked: []string{"how do I get a refund", "How do I get a refund for coins?"},
			wantCalls: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newOAIFake(t, scriptedRewrites(t, tt.script))
			e, ret := llmEngine(t, refundArticles(), bot.Deps{Condenser: bot.NewLLMCondenser(f.client(), bot.HeuristicCondenser{})})
			conv := llmStart(t, e)
			for _, m := range tt.messages {
				r, err := e.Handle(context.Background(), conv, m, "", nil)
				require.NoError(t, err, m)
				require.NotNil(t, r.Message)
				// The decision depends on the fixture's confidence; what matters here is the
				// question that reached retrieval (wantAsked).
				assert.Contains(t, []bot.Decision{bot.DecisionAnswer, bot.DecisionClarify}, r.Decision, m)
			}
			assert.Equal(t, tt.wantAsked, ret.asked())
			assert.Equal(t, tt.wantCalls, f.calls.Load())
		})
	}
}

func TestLLMCondenser(t *testing.T) {
	zhHistory := []bot.Message{user("充值多久到账"), reply("充值一般即时到账 [1]。")}
	enHistory := []bot.Message{user("how do I get a refund"), reply("Open Wallet > Orders [1].")}
	tests := []struct {
		name      string
		history   []bot.Message
		text      string
		handle    oaiHandler
		want      bot.Query
		wantCalls int32
	}{
		{
			name:      "a Chinese follow-up is rewritten about its own subject",
			history:   zhHistory,
			text:      "那提现呢?",
			handle:    oaiReply("提现多久到账？"),
			want:      bot.Query{Text: "提现多久到账？", Focus: "那提现呢?", FollowUp: true},
			wantCalls: 1,
		},
		{
			name:      "an English follow-up is rewritten",
			history:   enHistory,
			text:      "and for coins?",
			handle:    oaiReply("How do I get a refund for coins?"),
			want:      bot.Query{Text: "How do I get a refund for coins?", Focus: "and for coins?", FollowUp: true},
			wantCalls: 1,
		},
		{
			name:      "labels, quotes and extra lines are dropped",
			history:   enHistory,
			text:      "and for coins?",
			handle:    oaiReply("Standalone question: \"How do I get a refund for coins?\"\nThe user means coins."),
			want:      bot.Query{Text: "How do I get a refund for coins?", Focus: "and for coins?", FollowUp: true},
			wantCalls: 1,
		},
		{
			name:      "a standalone question comes back unchanged and is no follow-up",
			history:   enHistory,
			text:      "How do I delete my account?",
			handle:    oaiReply("how do I delete my account"),
			want:      bot.Query{Text: "how do I delete my account", Focus: "How do I delete my account?"},
			wantCalls: 1,
		},
		{
			name:      "no history, no model call",
			text:      "那提现呢?",
			handle:    oaiReply("unused"),
			want:      bot.Query{Text: "那提现呢?", Focus: "那提现呢?"},
			wantCalls: 0,
		},
		{
			name:      "only the bot spoke before: no model call",
			history:   []bot.Message{reply("Hi! How can I help?")},
			text:      "and for coins?",
			handle:    oaiReply("unused"),
			want:      bot.Query{Text: "and for coins?", Focus: "and for coins?"},
			wantCalls: 0,
		},
		{
			name:      "500 forever falls back to the heuristic",
			history:   zhHistory,
			text:      "那提现呢?",
			handle:    oaiError(http.StatusInternalServerError, "server_error"),
			want:      bot.Query{Text: "提现 充值多久到账", Focus: "提现", Context: "充值多久到账", FollowUp: true},
			wantCalls: 3,
		},
		{
			name:      "a rewrite in another language falls back",
			history:   zhHistory,
			text:      "那提现呢?",
			handle:    oaiReply("How long does a withdrawal take?"),
			want:      bot.Query{Text: "提现 充值多久到账", Focus: "提现", Context: "充值多久到账", FollowUp: true},
			wantCalls: 1,
		},
		{
			name:      "an empty rewrite falls back",
			history:   enHistory,
			text:      "and for coins?",
			handle:    oaiReply("  \"\" "),
			want:      bot.Query{Text: "coins how do I get a refund", Focus: "coins", Context: "how do I get a refund", FollowUp: true},
			wantCalls: 1,
		},
		{
			name:      "an essay instead of a question falls back",
			history:   enHistory,
			text:      "and for coins?",
			handle:    oaiReply(strings.Repeat("Coins can be refunded when unused. ", 10)),
			want:      bot.Query{Text: "coins how do I get a refund", Focus: "coins", Context: "how do I get a refund", FollowUp: true},
			wantCalls: 1,
		},
		{
			name:    "empty choices fall back",
			history: enHistory,
			text:    "and for coins?",
			handle: func(w http.ResponseWriter, _ *http.Request, _ int, _ oaiRequest) {
				oaiJSON(w, http.StatusOK, map[string]any{"id": "chatcmpl-1", "object": "chat.completion", "choices": []any{}})
			},
			want:      bot.Query{Text: "coins how do I get a refund", Focus: "coins", Context: "how do I get a refund", FollowUp: true},
			wantCalls: 3,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newOAIFake(t, tt.handle)
			got, err := bot.NewLLMCondenser(f.client(), bot.HeuristicCondenser{}).Condense(context.Background(), tt.history, tt.text)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
			assert.Equal(t, tt.wantCalls, f.calls.Load())
		})
	}
}

func TestLLMCondenserPrompt(t *testing.T) {
	f := newOAIFake(t, oaiReply("提现多久到账？"))
	history := []bot.Message{user("充值多久到账"), reply("充值一般即时到账 [1]。"), {Role: bot.RoleSystem, Text: "客服已接入"}}
	_, err := bot.NewLLMCondenser(f.client(), nil).Condense(context.Background(), history, "那提现呢?")
	require.NoError(t, err)

	reqs := f.requests()
	require.Len(t, reqs, 1)
	assert.False(t, reqs[0].Stream)
	assert.Contains(t, reqs[0].content("system"), "简体中文")
	user := reqs[0].content("user")
	for _, want := range []string{"<<<USER\n充值多久到账\n>>>", "<<<ASSISTANT\n充值一般即时到账。\n>>>", "<<<LATEST\n那提现呢?\n>>>"} {
		assert.Contains(t, user, want)
	}
	assert.NotContains(t, user, "客服已接入")
}

func TestLLMCondenserTimeoutFallsBackQuickly(t *testing.T) {
	f := newOAIFake(t, oaiHang)
	c := bot.NewLLMCondenser(f.client(), nil)
	c.Timeout = 50 * time.Millisecond
	start := time.Now()

	got, err := c.Condense(context.Background(), []bot.Message{user("how do I get a refund")}, "and for coins?")

	require.NoError(t, err)
	assert.Equal(t, bot.Query{Text: "coins how do I get a refund", Focus: "coins", Context: "how do I get a refund", FollowUp: true}, got)
	assert.Less(t, time.Since(start), time.Second, "the rewrite must not hold the user up past its timeout")
}

func TestLLMCondenserReturnsTheCallersCancellation(t *testing.T) {
	f := newOAIFake(t, oaiHang)
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(20*time.Millisecond, cancel)

	_, err := bot.NewLLMCondenser(f.client(), nil).Condense(ctx, []bot.Message{user("how do I get a refund")}, "and for coins?")

	assert.ErrorIs(t, err, context.Canceled)
}
