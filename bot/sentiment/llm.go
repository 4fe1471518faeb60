package sentiment

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"strings"
	"unicode"

	"github.com/faqbot/faqbot/internal/llm"
	"github.com/faqbot/faqbot/prompts"
)

// ChatModel is the part of an LLM client the classifier needs; *llm.Client satisfies it.
type ChatModel interface {
	Chat(ctx context.Context, msgs []llm.Message, opts llm.ChatOptions) (llm.Reply, error)
}

var _ ChatModel = (*llm.Client)(nil)

// LLMClassifier asks a chat model for the label. The model's answer must be a JSON object
// with a known label, a score in [-1, 1] that agrees with it, and short signals; on any
// failure or answer out of contract it uses the fallback analyzer, so a turn never fails
// because of sentiment.
type LLMClassifier struct {
	model    ChatModel
	fallback Analyzer
	logger   *slog.Logger
}

var _ Analyzer = (*LLMClassifier)(nil)

// LLMOption configures an LLMClassifier.
type LLMOption func(*LLMClassifier)

// WithLogger logs each fallback with its cause; without it fallbacks are silent.
func WithLogger(l *slog.Logger) LLMOption {
	return func(c *LLMClassifier) {
		if l != nil {
			c.logger = l
		}
	}
}

// NewLLM returns a classifier over model; a nil fallback means NewLexicon(), and a nil model
// means the fallback answers every message.
func NewLLM(model ChatModel, fallback Analyzer, opts ...LLMOption) *LLMClassifier {
	if fallback == nil {
		fallback = NewLexicon()
	}
	c := &LLMClassifier{model: model, fallback: fallback, logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	for _, o := range opts {
		o(c)
	}
	return c
}

// Analyze labels text with the model, or with the fallback when the model cannot. Its error
// is always nil: a fallback that fails too yields a neutral result.
func (c *LLMClassifier) Analyze(ctx context.Context, text string) (Result, error) {
	if c.model != nil {
		res, err := c.classify(ctx, text)
		if err == nil {
			return res, nil
		}
		c.logger.WarnContext(ctx, "sentiment: model classification failed, using the fallback", "err", err)
	}
	res, err := c.fallback.Analyze(ctx, text)
	if err != nil {
		c.logger.WarnContext(ctx, "sentiment: fallback failed, treating the message as neutral", "err", err)
		return Result{Label: LabelNeutral}, nil
	}
	return res, nil
}

// replyTokens bounds the answer: a label, a score and three short signals fit easily.
const replyTokens = 120

func (c *LLMClassifier) classify(ctx context.Context, text string) (Result, error) {
	prompt, err := prompts.Sentiment(text)
	if err != nil {
		return Result{}, err
	}
	msgs := make([]llm.Message, len(prompt))
	for i, m := range prompt {
		msgs[i] = llm.Message{Role: m.Role, Content: m.Content}
	}
	reply, err := c.model.Chat(ctx, msgs, llm.ChatOptions{JSON: true, Temperature: 0.1, MaxTokens: replyTokens})
	if err != nil {
		return Result{}, err
	}
	res, err := parseVerdict(reply.Content)
	if err != nil {
		return Result{}, fmt.Errorf("model answer %q (finish %q): %w", clip(reply.Content, 200), reply.FinishReason, err)
	}
	return res, nil
}

// errVerdict marks a model answer that breaks the JSON contract.
var errVerdict = errors.New("answer out of contract")

type verdict struct {
	Label   *string  `json:"label"`
	Score   *float64 `json:"score"`
	Signals []string `json:"signals"`
}

// parseVerdict validates the model's JSON. A code fence around the object is tolerated
// (some servers ignore the JSON response format); anything else is not.
func parseVerdict(content string) (Result, error) {
	s := strings.TrimSpace(content)
	if rest, ok := strings.CutPrefix(s, "```"); ok {
		rest = strings.TrimPrefix(rest, "json")
		s = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "```"))
	}
	dec := json.NewDecoder(bytes.NewReader([]byte(s)))
	var v verdict
	if err := dec.Decode(&v); err != nil {
		return Result{}, fmt.Errorf("%w: not a JSON object: %v", errVerdict, err)
	}
	if dec.More() {
		return Result{}, fmt.Errorf("%w: text after the JSON object", errVerdict)
	}
	if v.Label == nil {
		return Result{}, fmt.Errorf("%w: label is missing", errVerdict)
	}
	label := Label(strings.ToLower(strings.TrimSpace(*v.Label)))
	if !label.Valid() {
		return Result{}, fmt.Errorf("%w: label %q is not positive, neutral, negative or angry", errVerdict, *v.Label)
	}
	if v.Score == nil {
		return Result{}, fmt.Errorf("%w: score is missing", errVerdict)
	}
	score := *v.Score
	if math.IsNaN(score) || score < -1 || score > 1 {
		return Result{}, fmt.Errorf("%w: score %v is outside [-1, 1]", errVerdict, score)
	}
	if !scoreAgrees(label, score) {
		return Result{}, fmt.Errorf("%w: score %v contradicts label %s", errVerdict, score, label)
	}
	return Result{Label: label, Score: score, Signals: cleanSignals(v.Signals)}, nil
}

// scoreAgrees rejects answers whose score says the opposite of the label, a sign that the
// model is confused or was steered by the message.
func scoreAgrees(l Label, score float64) bool {
	switch l {
	case LabelAngry:
		return score < 0
	case LabelNegative:
		return score <= 0.2
	case LabelPositive:
		return score > 0
	default:
		return math.Abs(score) <= 0.5
	}
}

// Signals are shown to agents: keep at most five short, printable phrases.
const (
	maxSignals   = 5
	maxSignalLen = 40
)

func cleanSignals(in []string) []string {
	var out []string
	for _, s := range in {
		s = strings.Join(strings.FieldsFunc(s, func(r rune) bool { return unicode.IsSpace(r) || !unicode.IsPrint(r) }), " ")
		if s == "" || len([]rune(s)) > maxSignalLen {
			continue
		}
		out = append(out, s)
		if len(out) == maxSignals {
			break
		}
	}
	return out
}

func clip(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}
