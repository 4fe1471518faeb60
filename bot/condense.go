package bot

import (
	"context"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Condenser rewrites a follow-up into a standalone question using the recent turns.
type Condenser interface {
	Condense(ctx context.Context, history []Message, text string) (Query, error)
}

// Query is the rewritten question. Text is the standalone question. Focus holds the user's own
// words. Context, set only by the heuristic, is the earlier question a follow-up borrowed:
// "那提现呢？" after "充值多久到账" is about 提现, so retrieval ranks by the focus and uses the
// context only to choose between near-equal candidates.
type Query struct {
	Text     string
	Focus    string
	Context  string
	FollowUp bool
}

// HeuristicCondenser works without an LLM: a short or elliptical message ("那提现呢？",
// "and for refunds?", "what about it?") borrows the topic of the user's previous question.
type HeuristicCondenser struct{}

// zhFollowUpPrefixes and the English ones mark a message that continues the previous question.
var (
	zhFollowUpPrefixes = []string{"那么", "那", "还有", "另外", "然后", "如果是", "要是", "换成", "那如果"}
	zhFollowUpSuffixes = []string{"呢", "怎么办", "怎么弄", "咋办", "行吗", "可以吗", "也是吗", "也一样吗"}
	enFollowUpPrefixes = []string{"and ", "what about ", "how about ", "what if ", "also ", "and what about ", "same for ",
		"and for ", "or ", "but what about "}
	enPronouns = map[string]bool{"it": true, "that": true, "this": true, "them": true, "those": true, "these": true, "one": true}
)

func (HeuristicCondenser) Condense(_ context.Context, history []Message, text string) (Query, error) {
	text = strings.TrimSpace(text)
	prev := lastUserQuery(history)
	if prev == "" {
		return Query{Text: text, Focus: text}, nil
	}
	focus, follow := followUpFocus(text)
	if !follow {
		return Query{Text: text, Focus: text}, nil
	}
	return Query{Text: strings.TrimSpace(focus + " " + prev), Focus: focus, Context: prev, FollowUp: true}, nil
}

// lastUserQuery returns the standalone form of the user's last question before this message.
func lastUserQuery(history []Message) string {
	for i := len(history) - 1; i >= 0; i-- {
		m := history[i]
		if m.Role != RoleUser {
			continue
		}
		if m.Query != "" {
			return m.Query
		}
		return m.Text
	}
	return ""
}

// followUpFocus decides whether text is elliptical, and returns it without the follow-up
// markers.
func followUpFocus(text string) (string, bool) {
	lower := strings.ToLower(strings.TrimRightFunc(text, isEndPunct))
	han := countHan(lower)
	if han > 0 {
		focus, marked := lower, false
		if p := longestPrefix(focus, zhFollowUpPrefixes); p != "" {
			focus, marked = strings.TrimPrefix(focus, p), true
		}
		for _, s := range zhFollowUpSuffixes {
			if strings.HasSuffix(focus, s) {
				focus, marked = strings.TrimSuffix(focus, s), true
				break
			}
		}
		focus = strings.TrimFunc(focus, isEndPunct)
		// Short and marked is a follow-up; a long message stands on its own.
		return focus, marked && utf8.RuneCountInString(focus) <= 8
	}
	words := strings.Fields(lower)
	focus, marked := lower, false
	if p := longestPrefix(lower+" ", enFollowUpPrefixes); p != "" {
		focus, marked = strings.TrimSpace(strings.TrimPrefix(lower+" ", p)), true
	}
	if !marked && len(words) <= 4 {
		for _, w := range words {
			if enPronouns[strings.Trim(w, "?!.,")] {
				marked = true
			}
		}
	}
	return strings.TrimFunc(focus, isEndPunct), marked && len(words) <= 7
}

// longestPrefix returns the longest of prefixes that s starts with, or "": "and for " must
// win over "and ", or "for" would be taken for the user's subject.
func longestPrefix(s string, prefixes []string) string {
	best := ""
	for _, p := range prefixes {
		if len(p) > len(best) && strings.HasPrefix(s, p) {
			best = p
		}
	}
	return best
}

func isEndPunct(r rune) bool {
	return unicode.IsPunct(r) || unicode.IsSpace(r) || r == '？' || r == '！' || r == '。'
}

func countHan(s string) int {
	n := 0
	for _, r := range s {
		if unicode.Is(unicode.Han, r) {
			n++
		}
	}
	return n
}
