package knowledge

import "math"

// Confidence estimates the probability that the first candidate answers the question. It
// reads two pieces of evidence the ranking produced: how well the best candidate matches the
// question (Candidate.Match, the exact n-gram cosine) and by how much it beats the runner-up
// (the margin, which is small when several articles fit equally well, or equally badly). A
// logistic curve maps them to [0, 1]:
//
//	confidence = 1 / (1 + exp(-(-2.63 + 3.05*match + 7.39*margin)))
//
// The coefficients were fit on the development sets (docs/quality.md), with the questions of
// withheld FAQs standing for the questions the knowledge base cannot answer.
func Confidence(cands []Candidate) float64 {
	if len(cands) == 0 {
		return 0
	}
	match := cands[0].Match
	margin := match
	if len(cands) > 1 {
		margin -= cands[1].Match
	}
	return 1 / (1 + math.Exp(-(confidenceBias + confidenceMatch*match + confidenceMargin*margin)))
}

// Coefficients of Confidence.
const (
	confidenceBias   = -2.63
	confidenceMatch  = 3.05
	confidenceMargin = 7.39
)

// DefaultConfidenceThreshold is the confidence at and above which the bot answers. On the
// development sets, answers at or above it are right at least 90% of the time
// (docs/quality.md); below it the bot offers the likely questions or hands off.
const DefaultConfidenceThreshold = 0.85
