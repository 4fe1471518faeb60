package bot

import (
	"context"
	"fmt"
	"log/slog"
	"regexp"
	"strconv"
	"strings"
	"unicode"

	"github.com/faqbot/faqbot/internal/llm"
	"github.com/faqbot/faqbot/knowledge"
	"github.com/faqbot/faqbot/prompts"
)

// ChatModel is the part of *llm.Client the bot uses.
type ChatModel interface {
	Chat(ctx context.Context, msgs []llm.Message, opts llm.ChatOptions) (llm.Reply, error)
	ChatStream(ctx context.Context, msgs []llm.Message, opts llm.ChatOptions, onDelta func(string) error) (llm.Reply, error)
}

var _ ChatModel = (*llm.Client)(nil)

// Bounds on what goes into an answer prompt, so that a long knowledge base entry or a chatty
// conversation cannot crowd out the question or run up the bill.
const (
	answerMaxArticles     = 5
	answerMaxArticleRunes = 3000
	answerMaxTurnRunes    = 600
	answerMaxHistory      = 8 // messages, i.e. the last four exchanges
	answerMaxTokens       = 700
	answerTemperature     = 0.2
)

// LLMAnswerer writes a grounded answer with a chat model: only from the retrieved articles,
// in the user's language, citing them as [1], [2]. When the articles do not hold the answer
// the model says prompts.NoAnswer and the Answer is not Grounded.
type LLMAnswerer struct {
	model ChatModel
	log   *slog.Logger
}

var _ Answerer = (*LLMAnswerer)(nil)

// NewLLMAnswerer returns an answerer over model; a nil logger discards.
func NewLLMAnswerer(model ChatModel, logger *slog.Logger) *LLMAnswerer {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &LLMAnswerer{model: model, log: logger}
}

// Answer asks the model. Any failure is returned as an error, including a stream cut after
// some text went out: the engine then falls back to the extractive answer.
func (a *LLMAnswerer) Answer(ctx context.Context, in AnswerInput, onDelta func(string) error) (Answer, error) {
	articles := in.Articles[:min(len(in.Articles), answerMaxArticles)]
	if len(articles) == 0 {
		return Answer{}, nil
	}
	msgs, err := prompts.Answer(answerPrompt(in, articles))
	if err != nil {
		return Answer{}, fmt.Errorf("llm answer: %w", err)
	}
	opts := llm.ChatOptions{Temperature: answerTemperature, MaxTokens: answerMaxTokens}
	var reply llm.Reply
	if onDelta == nil {
		reply, err = a.model.Chat(ctx, toLLM(msgs), opts)
	} else {
		gate := &markerGate{marker: prompts.NoAnswer, forward: onDelta}
		reply, err = a.model.ChatStream(ctx, toLLM(msgs), opts, gate.write)
		if err == nil {
			err = gate.close()
		}
	}
	if err != nil {
		return Answer{}, fmt.Errorf("llm answer: %w", err)
	}
	text := strings.TrimSpace(reply.Content)
	if at, _ := findMarker(text, prompts.NoAnswer); at >= 0 {
		a.log.Info("the model found no answer in the articles", "articles", len(articles))
		return Answer{}, nil
	}
	if text == "" {
		return Answer{}, fmt.Errorf("llm answer: %w: empty reply (finish reason %q)", llm.ErrBadResponse, reply.FinishReason)
	}
	if reply.FinishReason == "length" {
		a.log.Warn("the model's answer was cut at the token limit", "max_tokens", answerMaxTokens)
	}
	return Answer{Text: text, Citations: citations(text, articles), Grounded: true}, nil
}

// answerPrompt numbers the articles from 1 and keeps the recent history, with the bot's old
// citation marks removed: they point into an earlier turn's numbering and would mislead.
func answerPrompt(in AnswerInput, articles []knowledge.Article) prompts.AnswerInput {
	p := prompts.AnswerInput{Question: in.Question, Language: in.Language, History: promptTurns(in.History, answerMaxHistory, answerMaxTurnRunes)}
	for i, art := range articles {
		p.Articles = append(p.Articles, prompts.Article{N: i + 1, Title: art.Title, Text: clipRunes(art.Answer, answerMaxArticleRunes)})
	}
	return p
}

// promptTurns keeps the last n user and assistant messages (agents speak as the assistant),
// each clipped; system notices are not part of the dialogue.
func promptTurns(history []Message, n, maxRunes int) []prompts.Turn {
	var turns []prompts.Turn
	for _, m := range history {
		text := strings.TrimSpace(citationMark.ReplaceAllString(m.Text, ""))
		if text == "" {
			continue
		}
		switch m.Role {
		case RoleUser:
			turns = append(turns, prompts.Turn{Role: prompts.RoleUser, Text: clipRunes(text, maxRunes)})
		case RoleBot, RoleAgent:
			turns = append(turns, prompts.Turn{Role: prompts.RoleAssistant, Text: clipRunes(text, maxRunes)})
		}
	}
	return turns[max(0, len(turns)-n):]
}

func toLLM(msgs []prompts.Message) []llm.Message {
	out := make([]llm.Message, len(msgs))
	for i, m := range msgs {
		out[i] = llm.Message{Role: m.Role, Content: m.Content}
	}
	return out
}

// citationMark matches [1], [2, 3] and the full-width 【1】 some models write in Chinese.
var citationMark = regexp.MustCompile(`\s*[\[【]\s*(\d{1,2}(?:\s*[,，、]\s*\d{1,2})*)\s*[\]】]`)

// citations returns the articles the text cites, in the order first cited; numbers that name
// no article are ignored. An answer that cites nothing is credited to the best article, which
// it was written from.
func citations(text string, articles []knowledge.Article) []Citation {
	var out []Citation
	seen := make(map[int]bool)
	for _, m := range citationMark.FindAllStringSubmatch(text, -1) {
		for _, f := range strings.FieldsFunc(m[1], func(r rune) bool { return r == ',' || r == '，' || r == '、' || unicode.IsSpace(r) }) {
			n, err := strconv.Atoi(f)
			if err != nil || n < 1 || n > len(articles) || seen[n] {
				continue
			}
			seen[n] = true
			out = append(out, Citation{ArticleID: articles[n-1].ID, Title: articles[n-1].Title})
		}
	}
	if len(out) == 0 {
		out = []Citation{{ArticleID: articles[0].ID, Title: articles[0].Title}}
	}
	return out
}

// markerGate passes streamed text on to the client but never the NoAnswer marker: it holds
// back the start of the reply while it could still become the marker ("N", "NO_", "**NO"),
// and later any tail that could begin it; from the marker on, it forwards nothing.
type markerGate struct {
	marker  string
	forward func(string) error
	buf     string // received, not yet forwarded
	started bool   // the reply has begun with something other than the marker
	shut    bool   // the marker was seen
}

func (g *markerGate) write(delta string) error {
	if g.shut {
		return nil
	}
	g.buf += delta
	if !g.started {
		lead := trimDecoration(g.buf)
		switch {
		case hasPrefixFold(lead, g.marker):
			g.shut, g.buf = true, ""
			return nil
		case lead == "" || hasPrefixFold(g.marker, lead):
			return nil // it may still become the marker
		}
		g.started = true
		g.buf = strings.TrimLeftFunc(g.buf, unicode.IsSpace)
	}
	at, tail := findMarker(g.buf, g.marker)
	if at >= 0 {
		g.shut, tail = true, at
	}
	out := g.buf[:tail]
	g.buf = g.buf[tail:]
	if g.shut {
		g.buf = ""
	}
	if out == "" {
		return nil
	}
	return g.forward(out)
}

// close forwards what was held back once the reply is complete: it was not the marker.
func (g *markerGate) close() error {
	out := g.buf
	g.buf = ""
	if !g.started {
		out = strings.TrimSpace(out)
	}
	if g.shut || out == "" {
		return nil
	}
	return g.forward(out)
}

// trimDecoration drops what a model may put before the marker: space, Markdown emphasis,
// quotes.
func trimDecoration(s string) string {
	return strings.TrimLeftFunc(s, func(r rune) bool {
		return unicode.IsSpace(r) || strings.ContainsRune("*_`\"'“‘「>#", r)
	})
}

// findMarker returns where marker occurs in s, ASCII case-insensitively, or -1; and where
// the shortest tail of s that could be the marker's beginning starts (len(s) when none).
func findMarker(s, marker string) (at, tail int) {
	for i := range len(s) {
		rest := s[i:]
		if len(rest) >= len(marker) {
			if hasPrefixFold(rest, marker) {
				return i, i
			}
			continue
		}
		if hasPrefixFold(marker, rest) {
			return -1, i
		}
	}
	return -1, len(s)
}

// hasPrefixFold is strings.HasPrefix ignoring ASCII case; the marker is ASCII, so byte
// offsets in the other string stay valid.
func hasPrefixFold(s, prefix string) bool {
	if len(s) < len(prefix) {
		return false
	}
	for i := range len(prefix) {
		if lowerASCII(s[i]) != lowerASCII(prefix[i]) {
			return false
		}
	}
	return true
}

func lowerASCII(b byte) byte {
	if 'A' <= b && b <= 'Z' {
		return b + 'a' - 'A'
	}
	return b
}
