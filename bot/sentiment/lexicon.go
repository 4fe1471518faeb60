package sentiment

import (
	"context"
	"math"
	"sync"
)

// Thresholds on the evidence of anger and on valence. One strong term ("气死", "idiot") or
// two weaker cues together (a harsh word and "!!!") make a message angry; a single weak cue
// only makes it negative.
const (
	angryAt    = 1.0
	negativeAt = 0.5 // anger evidence that already makes a message negative
	valenceAt  = 0.6 // |valence| that makes a message positive or negative
	// againstAnger discounts the anger evidence per unit of praise or sadness.
	againstAnger = 0.2
)

// Lexicon is the offline analyzer for Chinese and English. It is deterministic, needs no
// network, and is safe for concurrent use.
type Lexicon struct {
	tk tokenizer
}

var _ Analyzer = (*Lexicon)(nil)

// NewLexicon returns the analyzer over the word lists compiled into the package.
func NewLexicon() *Lexicon {
	return &Lexicon{tk: *sharedTokenizer()}
}

// sharedTokenizer builds the dictionaries once; they are never written afterwards.
var sharedTokenizer = sync.OnceValue(func() *tokenizer {
	return &tokenizer{
		zh:    build(zhGroups, runeCount, nil),
		en:    build(enGroups, wordCount, apostropheless),
		emoji: emojiRunes(),
		codes: emojiCodes(),
	}
})

// Analyze never fails; the error is there for the Analyzer contract.
func (l *Lexicon) Analyze(_ context.Context, text string) (Result, error) {
	return l.analyze(text), nil
}

func (l *Lexicon) analyze(text string) Result {
	text = truncate(text, maxRunes)
	s := normalize(text)
	var sc scorer
	sc.run(l.tk.tokenize(s))
	sc.surface(text, s)
	return sc.result()
}

// truncate keeps the first n runes of s.
func truncate(s string, n int) string {
	for i := range s {
		if n == 0 {
			return s[:i]
		}
		n--
	}
	return s
}

// scorer adds up the evidence of one message.
type scorer struct {
	val     float64 // valence, both signs
	ang     float64 // evidence of anger
	pos     float64 // the positive part of val: praise and thanks speak against anger
	sad     float64 // sadness and worry, which speak against anger too
	signals []string
}

func (sc *scorer) signal(name string) {
	if name == "" {
		return
	}
	for _, s := range sc.signals {
		if s == name {
			return
		}
	}
	sc.signals = append(sc.signals, name)
}

// Scopes, in tokens, intensifiers not counted: an English negator reaches the next term
// within three words ("not that helpful"); a Chinese one only the word right after it
// ("不生气", "不太好"), because "不" and "没" also sit inside verb phrases ("睡不着").
// An intensifier reaches two tokens.
const (
	negationScope    = 3
	negationScopeZh  = 1
	intensifierScope = 2
)

func (sc *scorer) run(toks []token) {
	var (
		neg      *entry // pending negator
		negLeft  int
		mult     = 1.0 // pending intensifier
		multLeft int
		lastIdx  = -2 // index of the last term, for post-intensifiers
		lastVal  float64
		lastAng  float64
	)
	for i, t := range toks {
		if t.boundary {
			neg, negLeft, mult, multLeft = nil, 0, 1, 0
			continue
		}
		e := t.e
		if e == nil || e.kind == kindNeutral {
			if negLeft--; negLeft <= 0 {
				neg = nil
			}
			if multLeft--; multLeft <= 0 {
				mult = 1
			}
			continue
		}
		switch e.kind {
		case kindNegator:
			neg, negLeft = e, negationScope
			if t.han {
				negLeft = negationScopeZh
			}
		case kindIntensifier:
			mult, multLeft = math.Min(mult*e.scale, 3), intensifierScope
		case kindPostIntensifier:
			if lastIdx == i-1 {
				sc.val += lastVal * (e.scale - 1)
				sc.ang += lastAng * (e.scale - 1)
				lastIdx = -2
			}
		case kindTerm:
			v, a, sig := e.val, e.ang, e.signal
			negated := neg != nil && negLeft > 0 && e.class != classHostile && e.class != classComplaint && e.class != classChallenge
			// "傻不傻", "好不好": the A-not-A question negates nothing.
			if negated && i >= 2 && toks[i-1].e == neg && toks[i-2].text == t.text {
				negated = false
			}
			if negated {
				v, a, sig = negate(e, neg)
				neg, negLeft = nil, 0
			}
			v, a = v*mult, a*mult
			mult, multLeft = 1, 0
			sc.val += v
			sc.ang += a
			if v >= 0.8 { // praise and thanks; "ok", "yeah" do not soften anger
				sc.pos += v
			} else if e.class == classNegative && e.ang == 0 && !negated {
				sc.sad -= v
			}
			sc.signal(sig)
			lastIdx, lastVal, lastAng = i, v, a
		}
	}
}

// negate applies a negator to a term.
func negate(e, neg *entry) (val, ang float64, signal string) {
	switch e.class {
	case classPositive:
		if neg.prohibit { // "别客气", "don't thank me": politeness, not criticism
			return 0, 0, ""
		}
		if neg.soft { // "不太好用", "not very helpful"
			return -0.5 * e.val, 0.1 * e.val, sigNegPraise
		}
		return -0.7 * e.val, 0.25 * e.val, sigNegPraise
	case classAnger: // "我不生气", "not angry", "别生气"
		return 0, 0, sigNegAnger
	case classCriticism:
		if neg.prohibit { // "别骗我" stays an accusation
			return e.val, e.ang, e.signal
		}
		return -0.3 * e.val, 0, "" // "不差", "not bad"
	default: // classNegative: "不难", "not sad", "不担心"
		if neg.prohibit || neg.soft {
			return 0.2 * e.val, 0, ""
		}
		return -0.3 * e.val, 0, ""
	}
}

// result turns the evidence into a label and a score.
func (sc *scorer) result() Result {
	// Praise and sadness in the same message make anger less likely: "holy shit, thank
	// you!" is delight, "气哭了，好难过" mostly grief.
	anger := sc.ang - againstAnger*(sc.pos+sc.sad)
	var label Label
	switch {
	case anger >= angryAt:
		label = LabelAngry
	case anger >= negativeAt || sc.val <= -valenceAt:
		label = LabelNegative
	case sc.val >= valenceAt:
		label = LabelPositive
	default:
		label = LabelNeutral
	}
	score := math.Tanh((sc.val - sc.ang) / 2.5)
	// The score must agree with the label: trends compare scores of labelled turns.
	switch label {
	case LabelAngry:
		score = math.Min(score, -0.5)
	case LabelNegative:
		score = math.Max(math.Min(score, -0.1), -0.7)
	case LabelPositive:
		score = math.Max(score, 0.1)
	default:
		score = math.Max(math.Min(score, 0.1), -0.1)
	}
	return Result{Label: label, Score: math.Round(score*1000) / 1000, Signals: sc.signals}
}
