package bot

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/faqbot/faqbot/internal/llm"
	"github.com/faqbot/faqbot/knowledge"
	"github.com/faqbot/faqbot/prompts"
)

// Bounds on the rewriting call: it runs before retrieval on every follow-up, so it must be
// quick and cheap, and its output must look like a question, not an essay.
const (
	condenseMaxHistory    = 6 // messages: the last three exchanges carry the topic
	condenseMaxTurnRunes  = 300
	condenseMaxTokens     = 80
	condenseTemperature   = 0.1
	condenseMaxQueryRunes = 200
	// DefaultCondenseTimeout bounds the whole rewriting call, retries included: past it the
	// heuristic is better than making the user wait.
	DefaultCondenseTimeout = 8 * time.Second
)

// LLMCondenser rewrites a follow-up into a standalone question with a chat model, and uses
// the fallback (the heuristic) whenever the model fails or says something unusable.
type LLMCondenser struct {
	model    ChatModel
	fallback Condenser
	// Timeout bounds one rewrite; zero means DefaultCondenseTimeout.
	Timeout time.Duration
}

var _ Condenser = (*LLMCondenser)(nil)

// NewLLMCondenser returns a condenser over model; a nil fallback means HeuristicCondenser.
func NewLLMCondenser(model ChatModel, fallback Condenser) *LLMCondenser {
	if fallback == nil {
		fallback = HeuristicCondenser{}
	}
	return &LLMCondenser{model: model, fallback: fallback}
}

// Condense calls the model only when there is a conversation to borrow from; a first message
// is its own standalone question.
func (c *LLMCondenser) Condense(ctx context.Context, history []Message, text string) (Query, error) {
	text = strings.TrimSpace(text)
	turns := promptTurns(history, condenseMaxHistory, condenseMaxTurnRunes)
	if !hasUserTurn(turns) {
		return Query{Text: text, Focus: text}, nil
	}
	rewritten, err := c.rewrite(ctx, turns, text)
	if err != nil {
		if ctx.Err() != nil {
			return Query{}, ctx.Err()
		}
		return c.fallback.Condense(ctx, history, text)
	}
	return Query{Text: rewritten, Focus: text, FollowUp: !sameQuestion(rewritten, text)}, nil
}

func (c *LLMCondenser) rewrite(ctx context.Context, turns []prompts.Turn, text string) (string, error) {
	lang := knowledge.DetectLanguage(text)
	msgs, err := prompts.Condense(prompts.CondenseInput{History: turns, Message: text, Language: lang})
	if err != nil {
		return "", err
	}
	timeout := c.Timeout
	if timeout <= 0 {
		timeout = DefaultCondenseTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	reply, err := c.model.Chat(ctx, toLLM(msgs), llm.ChatOptions{Temperature: condenseTemperature, MaxTokens: condenseMaxTokens})
	if err != nil {
		return "", err
	}
	q := cleanQuestion(reply.Content)
	switch {
	case q == "":
		return "", fmt.Errorf("%w: empty rewrite", llm.ErrBadResponse)
	case utf8.RuneCountInString(q) > condenseMaxQueryRunes:
		return "", fmt.Errorf("%w: rewrite of %d characters is not a short question", llm.ErrBadResponse, utf8.RuneCountInString(q))
	case lang != "other" && knowledge.DetectLanguage(q) != lang:
		// Retrieval and the answer follow the user's language; a rewrite in another would
		// match the wrong articles.
		return "", fmt.Errorf("%w: rewrite is not in the message's language %q", llm.ErrBadResponse, lang)
	}
	return q, nil
}

// cleanQuestion keeps the first line of the reply without the labels and quotes models add
// despite being told not to ("Standalone question: ...", "问题：...", "\"...\"").
func cleanQuestion(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	for _, label := range []string{"standalone question:", "question:", "rewritten question:", "独立问题：", "问题：", "独立问题:", "问题:"} {
		if len(s) >= len(label) && strings.EqualFold(s[:len(label)], label) {
			s = s[len(label):]
			break
		}
	}
	return strings.TrimFunc(s, func(r rune) bool {
		return unicode.IsSpace(r) || strings.ContainsRune("\"'`*“”‘’「」", r)
	})
}

func hasUserTurn(turns []prompts.Turn) bool {
	for _, t := range turns {
		if t.Role == prompts.RoleUser {
			return true
		}
	}
	return false
}

// sameQuestion tells whether the model returned the message itself, give or take case and
// end punctuation.
func sameQuestion(a, b string) bool {
	norm := func(s string) string { return strings.ToLower(strings.TrimFunc(s, isEndPunct)) }
	return norm(a) == norm(b)
}
