package bot

import (
	"cmp"
	"math"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/faqbot/faqbot/knowledge"
)

// GapGroup is the questions of a window that ask the same thing, for an editor deciding
// which article to write next.
type GapGroup struct {
	Question string // the representative: the most asked wording, the latest on a tie
	Language string
	Count    int
	Reasons  map[GapReason]int // how many of Count ended each way
	Examples []Gap             // up to MaxGapExamples distinct wordings, newest first
	LastSeen time.Time
}

// MaxGapExamples bounds the examples of a group.
const MaxGapExamples = 3

// GapSimilarity is how alike two questions must be (see similarity) to ask the same thing.
// Tuned on paraphrases such as 怎么提现 / 提现怎么操作 (0.5) and "How do I withdraw money?" /
// "how to withdraw my earnings" (0.33) against questions that only share a topic word
// ("I cannot log into my account" / "How do I delete my account?": 0.25) or the way they ask
// (怎么提现 / 怎么改密码: 0).
const GapSimilarity = 0.3

// groupSeeds is how many distinct wordings of a group a question is compared with: enough
// that the order of arrival matters little, few enough that grouping stays linear.
const groupSeeds = 5

// GroupGaps clusters gaps whose questions say the same thing, in one language at a time,
// and orders the groups by count, then by the latest question. Gaps come newest first (as
// the stores return them); each joins the group holding the wording it resembles most (of
// a group's first few wordings), if that is at least GapSimilarity, and opens a group
// otherwise.
func GroupGaps(gaps []Gap) []GapGroup {
	type group struct {
		GapGroup
		seeds   []map[string]bool
		indexed map[string]bool   // the terms of the seeds, as index holds them
		wording map[string]int    // language + normalised question -> count
		first   map[string]string // the same -> its newest text
	}
	var groups []*group
	// index finds the groups that share a term with a question, so that a question is only
	// compared with groups it could join.
	index := map[string][]int{}
	// shared counts, per group, the question's terms it holds; touched lists the groups
	// counted, so that the counts are reset without clearing them all.
	var shared []int
	var touched []int
	addSeed := func(i int, lang string, terms map[string]bool) {
		gr := groups[i]
		gr.seeds = append(gr.seeds, terms)
		for t := range terms {
			if !gr.indexed[t] {
				gr.indexed[t] = true
				index[lang+"\x00"+t] = append(index[lang+"\x00"+t], i)
			}
		}
	}
	for _, g := range gaps {
		terms := contentTerms(g.Question)
		key := g.Language + "\x00" + normalizeQuestion(g.Question)
		// A group can only be similar enough when it shares enough terms: Jaccard needs
		// GapSimilarity of the question's terms, containment containedMin of them.
		touched = touched[:0]
		for t := range terms {
			for _, i := range index[g.Language+"\x00"+t] {
				if shared[i] == 0 {
					touched = append(touched, i)
				}
				shared[i]++
			}
		}
		need := min(int(math.Ceil(GapSimilarity*float64(len(terms))-1e-9)), containedMin)
		best, bestSim := -1, 0.0
		for _, i := range touched {
			n := shared[i]
			shared[i] = 0
			if n < need {
				continue
			}
			for _, s := range groups[i].seeds {
				if sim := similarity(terms, s); sim > bestSim || (sim == bestSim && i < best) {
					best, bestSim = i, sim
				}
			}
		}
		if best < 0 || bestSim < GapSimilarity {
			best = len(groups)
			shared = append(shared, 0)
			groups = append(groups, &group{
				GapGroup: GapGroup{Language: g.Language, Reasons: map[GapReason]int{}},
				indexed:  map[string]bool{}, wording: map[string]int{}, first: map[string]string{},
			})
		}
		gr := groups[best]
		if gr.wording[key] == 0 && len(gr.seeds) < groupSeeds {
			addSeed(best, g.Language, terms)
		}
		gr.Count++
		gr.Reasons[g.Reason]++
		if g.CreatedAt.After(gr.LastSeen) {
			gr.LastSeen = g.CreatedAt
		}
		gr.wording[key]++
		if gr.first[key] == "" {
			gr.first[key] = g.Question
		}
		// Gaps come newest first, so the first wording to reach the highest count is the
		// latest of the most asked ones, written as it was asked last.
		if gr.Question == "" || gr.wording[key] > gr.wording[g.Language+"\x00"+normalizeQuestion(gr.Question)] {
			gr.Question = gr.first[key]
		}
		if len(gr.Examples) < MaxGapExamples && !slices.ContainsFunc(gr.Examples, func(e Gap) bool {
			return normalizeQuestion(e.Question) == normalizeQuestion(g.Question)
		}) {
			gr.Examples = append(gr.Examples, g)
		}
	}
	out := make([]GapGroup, len(groups))
	for i, g := range groups {
		out[i] = g.GapGroup
	}
	slices.SortStableFunc(out, func(a, b GapGroup) int {
		if c := cmp.Compare(b.Count, a.Count); c != 0 {
			return c
		}
		return b.LastSeen.Compare(a.LastSeen)
	})
	return out
}

// similarity is the Jaccard index of two questions' content terms, except that a question
// wholly contained in the other counts as the same when it has at least containedMin terms
// (怎么提现 in 如何提现到银行卡): a short question names the topic a longer one elaborates.
func similarity(a, b map[string]bool) float64 {
	if len(a) == 0 || len(b) == 0 {
		return 0
	}
	if len(a) > len(b) {
		a, b = b, a
	}
	both := 0
	for t := range a {
		if b[t] {
			both++
		}
	}
	if both == len(a) && len(a) >= containedMin {
		return 1
	}
	return float64(both) / float64(len(a)+len(b)-both)
}

// containedMin is the size of a contained question that still says enough: a two-character
// Chinese word (two characters and their pair) or three English words.
const containedMin = 3

// normalizeQuestion is what makes two wordings the same: case, spacing and end punctuation
// do not count.
func normalizeQuestion(q string) string {
	q = strings.ToLower(strings.Join(strings.Fields(q), " "))
	return strings.TrimRightFunc(q, isEndPunct)
}

// contentTerms are the lexical terms of a question (knowledge.Tokenize) without the ones that
// only say how it asks: question words, particles, pronouns. Chinese pairs that include such
// a character go too ("现怎" of 提现怎么操作 says nothing).
func contentTerms(q string) map[string]bool {
	out := map[string]bool{}
	for _, t := range knowledge.Tokenize(q) {
		if stopTerms[t] {
			continue
		}
		if r, size := utf8.DecodeRuneInString(t); size < len(t) && utf8.RuneCountInString(t) == 2 {
			r2, _ := utf8.DecodeLastRuneInString(t)
			if stopRunes[r] || stopRunes[r2] {
				continue
			}
		}
		out[t] = true
	}
	return out
}

// stopZh are the Chinese characters that say how a question asks, not what it asks about.
const stopZh = "怎么什为吗呢的了我你您是在啊吧呀嘛请问能可以要想有没不和这那个一下就还都也哪里该办会吧哦呢"

// stopEn are English words of the same kind; they go through the tokenizer, so their stems
// match what questions are tokenized to.
const stopEn = "how do does did done i me my mine you your we our us can could would should will shall " +
	"what why when where which who whom is are am was were be been being the a an to of in on at " +
	"for from with and or not no it its this that these those there here please hi hello hey " +
	"help get got want need anyone someone way possible if by about any some just so then let like"

var (
	stopRunes = func() map[rune]bool {
		m := map[rune]bool{}
		for _, r := range stopZh {
			m[r] = true
		}
		return m
	}()
	stopTerms = func() map[string]bool {
		m := map[string]bool{}
		for _, t := range knowledge.Tokenize(stopEn) {
			m[t] = true
		}
		for _, r := range stopZh {
			m[string(r)] = true
		}
		return m
	}()
)
