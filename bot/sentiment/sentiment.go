// Package sentiment labels each user message positive, neutral, negative or angry, with a
// score in [-1, 1] and the signals behind it, and follows the mood over the conversation's
// window. The bot hands a conversation to a human when the user is angry, so both a missed
// angry message and a calm question taken for anger are costly.
//
// Two analyzers share one interface: Lexicon, offline and deterministic, for Chinese and
// English; and LLMClassifier, which asks a chat model and falls back to the lexicon whenever
// the model fails or answers out of contract.
package sentiment

import (
	"context"
	"errors"
)

// Label is the mood of one message.
type Label string

// The closed set of labels.
const (
	LabelPositive Label = "positive"
	LabelNeutral  Label = "neutral"
	LabelNegative Label = "negative"
	LabelAngry    Label = "angry"
)

// Labels lists every label, most positive first.
var Labels = []Label{LabelPositive, LabelNeutral, LabelNegative, LabelAngry}

// Valid reports whether l is one of the four labels.
func (l Label) Valid() bool {
	switch l {
	case LabelPositive, LabelNeutral, LabelNegative, LabelAngry:
		return true
	}
	return false
}

// Negative reports whether l is negative or angry: the turns that make a trend worse.
func (l Label) Negative() bool { return l == LabelNegative || l == LabelAngry }

// Result is the analysis of one message.
type Result struct {
	Label Label
	// Score runs from -1 (very negative) to 1 (very positive).
	Score float64
	// Signals say why, in short English words an agent understands ("profanity",
	// "repeated complaint", "all caps", "negated praise", ...); nil for a plain message.
	Signals []string
}

// Analyzer scores one message.
type Analyzer interface {
	Analyze(ctx context.Context, text string) (Result, error)
}

// ErrInvalid marks input this package cannot use, such as a malformed evaluation set.
var ErrInvalid = errors.New("invalid input")
