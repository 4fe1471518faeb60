package bot_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/faqbot/faqbot/bot"
	"github.com/faqbot/faqbot/internal/llm"
	"github.com/faqbot/faqbot/prompts"
)

func refundInput() bot.AnswerInput {
	return bot.AnswerInput{
		Question: "How do I get a refund for coins?",
		Language: "en",
		History: []bot.Message{
			{Role: bot.RoleUser, Text: "how do I get a refund"},
			{Role: bot.RoleBot, Text: "Open Wallet > Orders and tap Request refund [1]."},
			{Role: bot.RoleSystem, Text: "An agent joined."},
		},
		Articles: refundArticles(),
	}
}

func TestLLMAnswerer(t *testing.T) {
	refunds := bot.Citation{ArticleID: 11, Title: "Refunds"}
	coins := bot.Citation{ArticleID: 22, Title: "Coin refunds"}
	tests := []struct {
		name      string
		stream    bool
		handle    oaiHandler
		want      bot.Answer
		wantDelta []string // nil: onDelta must not be called
		wantErr   []error
		wantCalls int32
	}{
		{
			name:   "answer with citations in the order first cited",
			handle: oaiReply("Unused coins can be refunded from Wallet > Coins > Refund [2]. Other orders: Wallet > Orders [1][2]."),
			want: bot.Answer{Text: "Unused coins can be refunded from Wallet > Coins > Refund [2]. Other orders: Wallet > Orders [1][2].",
				Citations: []bot.Citation{coins, refunds}, Grounded: true},
			wantCalls: 1,
		},
		{
			name:      "citations of articles that do not exist are ignored",
			handle:    oaiReply("Use Wallet > Coins [2, 9]. See also 【1】."),
			want:      bot.Answer{Text: "Use Wallet > Coins [2, 9]. See also 【1】.", Citations: []bot.Citation{coins, refunds}, Grounded: true},
			wantCalls: 1,
		},
		{
			name:      "an answer without citations is credited to the best article",
			handle:    oaiReply("  Open Wallet > Coins > Refund.\n"),
			want:      bot.Answer{Text: "Open Wallet > Coins > Refund.", Citations: []bot.Citation{refunds}, Grounded: true},
			wantCalls: 1,
		},
		{
			name:      "NO_ANSWER is not grounded",
			handle:    oaiReply("NO_ANSWER"),
			want:      bot.Answer{},
			wantCalls: 1,
		},
		{
			name:      "NO_ANSWER with decoration is not grounded",
			handle:    oaiReply("**NO_ANSWER**"),
			want:      bot.Answer{},
			wantCalls: 1,
		},
		{
			name:      "429 then success",
			handle:    oaiSequence(oaiError(http.StatusTooManyRequests, "rate_limit_exceeded"), oaiReply("Tap Refund [2].")),
			want:      bot.Answer{Text: "Tap Refund [2].", Citations: []bot.Citation{coins}, Grounded: true},
			wantCalls: 2,
		},
		{
			name:      "500 forever",
			handle:    oaiError(http.StatusInternalServerError, "server_error"),
			wantErr:   []error{llm.ErrUnavailable},
			wantCalls: 3,
		},
		{
			name:      "a hang times out",
			handle:    oaiHang,
			wantErr:   []error{llm.ErrUnavailable, llm.ErrTimeout},
			wantCalls: 3,
		},
		{
			name: "malformed JSON",
			handle: func(w http.ResponseWriter, _ *http.Request, _ int, _ oaiRequest) {
				w.Header().Set("Content-Type", "application/json")
				_, _ = w.Write([]byte(`{"id":"chatcmpl-1","choices":[{"message":{"content":"Tap"}}}`))
			},
			wantErr:   []error{llm.ErrUnavailable, llm.ErrBadResponse},
			wantCalls: 3,
		},
		{
			name: "truncated JSON",
			handle: func(w http.ResponseWriter, _ *http.Request, _ int, _ oaiRequest) {
				w.Header().Set("Content-Type", "application/json")
				_, _ = w.Write([]byte(`{"id":"chatcmpl-1","choices":[{"message":{"content":"Tap`))
			},
			wantErr:   []error{llm.ErrUnavailable},
			wantCalls: 3,
		},
		{
			name: "empty choices",
			handle: func(w http.ResponseWriter, _ *http.Request, _ int, _ oaiRequest) {
				oaiJSON(w, http.StatusOK, map[string]any{"id": "chatcmpl-1", "object": "chat.completion", "choices": []any{}})
			},
			wantErr:   []error{llm.ErrBadResponse},
			wantCalls: 3,
		},
		{
			name:      "empty content",
			handle:    oaiReply(" "),
			wantErr:   []error{llm.ErrBadResponse},
			wantCalls: 1,
		},
		{
			name:      "streamed deltas arrive in order",
			stream:    true,
			handle:    oaiStream("Open ", "Wallet > Coins", " > Refund [2]", ". Tap ", "No", "w [1]."),
			wantDelta: []string{"Open ", "Wallet > Coins", " > Refund [2]", ". Tap ", "Now [1]."},
			want: bot.Answer{Text: "Open Wallet > Coins > Refund [2]. Tap Now [1].",
				Citations: []bot.Citation{coins, refunds}, Grounded: true},
			wantCalls: 1,
		},
		{
			name:      "a streamed answer starting like the marker is released",
			stream:    true,
			handle:    oaiStream("\n", "N", "o", ", coins cannot be refunded after 7 days [2]."),
			wantDelta: []string{"No, coins cannot be refunded after 7 days [2]."},
			want:      bot.Answer{Text: "No, coins cannot be refunded after 7 days [2].", Citations: []bot.Citation{coins}, Grounded: true},
			wantCalls: 1,
		},
		{
			name:      "a short streamed answer held to the end is released",
			stream:    true,
			handle:    oaiStream("NO"),
			wantDelta: []string{"NO"},
			want:      bot.Answer{Text: "NO", Citations: []bot.Citation{refunds}, Grounded: true},
			wantCalls: 1,
		},
		{
			name:      "streamed NO_ANSWER never reaches the client",
			stream:    true,
			handle:    oaiStream(" ", "NO", "_ANS", "WER"),
			want:      bot.Answer{},
			wantCalls: 1,
		},
		{
			name:      "streamed NO_ANSWER after some text stops the stream there",
			stream:    true,
			handle:    oaiStream("Sorry. ", "NO_A", "NSWER", " (the articles do not say)"),
			wantDelta: []string{"Sorry. "},
			want:      bot.Answer{},
			wantCalls: 1,
		},
		{
			name:   "stream cut mid-way",
			stream: true,
			handle: func(w http.ResponseWriter, _ *http.Request, _ int, _ oaiRequest) {
				oaiStartStream(w)
				oaiEvent(w, oaiChunk("Open Wallet ", ""))
				oaiHangUp(w)
			},
			wantDelta: []string{"Open Wallet "},
			wantErr:   []error{llm.ErrUnavailable},
			wantCalls: 1,
		},
		{
			name:   "malformed stream frame",
			stream: true,
			handle: func(w http.ResponseWriter, _ *http.Request, _ int, _ oaiRequest) {
				oaiStartStream(w)
				oaiEvent(w, `{"id":"chatcmpl-1","choices":[{"delta":{"content":`)
			},
			wantErr:   []error{llm.ErrUnavailable, llm.ErrBadResponse},
			wantCalls: 3,
		},
		{
			name:      "a streamed hang times out",
			stream:    true,
			handle:    oaiHang,
			wantErr:   []error{llm.ErrUnavailable, llm.ErrTimeout},
			wantCalls: 3,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newOAIFake(t, tt.handle)
			a := bot.NewLLMAnswerer(f.client(), nil)
			var deltas []string
			var onDelta func(string) error
			if tt.stream {
				onDelta = func(s string) error { deltas = append(deltas, s); return nil }
			}

			got, err := a.Answer(context.Background(), refundInput(), onDelta)

			assert.Equal(t, tt.wantCalls, f.calls.Load())
			assert.Equal(t, tt.wantDelta, deltas)
			for _, d := range deltas {
				assert.NotContains(t, d, "NO_", "the marker leaked to the client")
			}
			if tt.wantErr != nil {
				require.Error(t, err)
				for _, want := range tt.wantErr {
					assert.ErrorIs(t, err, want)
				}
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
			req := f.requests()[0]
			assert.Equal(t, tt.stream, req.Stream)
		})
	}
}

func TestLLMAnswererPrompt(t *testing.T) {
	f := newOAIFake(t, oaiReply("Tap Refund [1]."))
	in := refundInput()
	in.Language = "zh"
	in.Question = "金币怎么退款"
	_, err := bot.NewLLMAnswerer(f.client(), nil).Answer(context.Background(), in, nil)
	require.NoError(t, err)

	reqs := f.requests()
	require.Len(t, reqs, 1)
	system, user := reqs[0].content("system"), reqs[0].content("user")
	assert.Equal(t, "test-chat", reqs[0].Model)
	assert.Contains(t, system, prompts.NoAnswer)
	assert.Contains(t, system, "简体中文")
	for _, want := range []string{
		"<<<ARTICLE 1\nTitle: Refunds\n", "<<<ARTICLE 2\nTitle: Coin refunds\n", "<<<ARTICLE 3\nTitle: Withdrawals\n",
		"<<<USER\nhow do I get a refund\n>>>",
		// The bot's old [1] pointed into another turn's numbering.
		"<<<ASSISTANT\nOpen Wallet > Orders and tap Request refund.\n>>>",
		"<<<QUESTION\n金币怎么退款\n>>>",
	} {
		assert.Contains(t, user, want)
	}
	assert.NotContains(t, user, "An agent joined", "system notices are not dialogue")
}

func TestLLMAnswererWithoutArticlesDoesNotCallTheModel(t *testing.T) {
	f := newOAIFake(t, oaiReply("made up"))
	in := refundInput()
	in.Articles = nil
	got, err := bot.NewLLMAnswerer(f.client(), nil).Answer(context.Background(), in, nil)
	require.NoError(t, err)
	assert.False(t, got.Grounded)
	assert.Zero(t, f.calls.Load())
}

// TestEngineWithLLMAnswerer runs whole turns: the model's answer reaches the user with its
// citations, and when the model fails the user gets the extractive answer, never silence.
func TestEngineWithLLMAnswerer(t *testing.T) {
	best := refundArticles()[0]
	tests := []struct {
		name         string
		stream       bool
		handle       oaiHandler
		wantDecision bot.Decision
		wantText     string
		wantCites    []bot.Citation
		wantStreamed string // all deltas together, for streamed cases
	}{
		{
			name:         "the model answers",
			handle:       oaiReply("Coins: Wallet > Coins > Refund [2]."),
			wantDecision: bot.DecisionAnswer,
			wantText:     "Coins: Wallet > Coins > Refund [2].",
			wantCites:    []bot.Citation{{ArticleID: 22, Title: "Coin refunds"}},
		},
		{
			name:         "500 forever falls back to the extractive answer",
			handle:       oaiError(http.StatusInternalServerError, "server_error"),
			wantDecision: bot.DecisionAnswer,
			wantText:     best.Answer,
			wantCites:    []bot.Citation{{ArticleID: best.ID, Title: best.Title}},
		},
		{
			name:         "a hang falls back to the extractive answer",
			stream:       true,
			handle:       oaiHang,
			wantDecision: bot.DecisionAnswer,
			wantText:     best.Answer,
			wantCites:    []bot.Citation{{ArticleID: best.ID, Title: best.Title}},
			wantStreamed: best.Answer,
		},
		{
			name:   "a stream cut mid-way is finished with the extractive answer",
			stream: true,
			handle: func(w http.ResponseWriter, _ *http.Request, _ int, _ oaiRequest) {
				oaiStartStream(w)
				oaiEvent(w, oaiChunk("Open Wallet ", ""))
				oaiHangUp(w)
			},
			wantDecision: bot.DecisionAnswer,
			wantText:     best.Answer,
			wantCites:    []bot.Citation{{ArticleID: best.ID, Title: best.Title}},
			wantStreamed: "Open Wallet \n\n" + best.Answer,
		},
		{
			name:         "NO_ANSWER makes the bot ask back instead",
			stream:       true,
			handle:       oaiStream("NO_ANSWER"),
			wantDecision: bot.DecisionClarify,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newOAIFake(t, tt.handle)
			e, _ := llmEngine(t, refundArticles(), bot.Deps{Answerer: bot.NewLLMAnswerer(f.client(), nil)})
			conv := llmStart(t, e)
			var streamed strings.Builder
			var onDelta func(string) error
			if tt.stream {
				onDelta = func(s string) error { streamed.WriteString(s); return nil }
			}

			r, err := e.Handle(context.Background(), conv, "how do I get my money back", "", onDelta)

			require.NoError(t, err)
			require.NotNil(t, r.Message)
			assert.Equal(t, tt.wantDecision, r.Decision)
			assert.Positive(t, f.calls.Load())
			assert.NotEmpty(t, r.Message.Text, "the user must never get silence")
			assert.NotContains(t, r.Message.Text, prompts.NoAnswer)
			if tt.stream {
				assert.NotContains(t, streamed.String(), prompts.NoAnswer)
				if tt.wantStreamed != "" {
					assert.Equal(t, tt.wantStreamed, streamed.String())
				} else {
					assert.Equal(t, r.Message.Text, streamed.String())
				}
			}
			if tt.wantText != "" {
				assert.Equal(t, tt.wantText, r.Message.Text)
				assert.Equal(t, tt.wantCites, r.Message.Citations)
			}
		})
	}
}
