package knowledge_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/faqbot/faqbot/knowledge"
)

func cands(matches ...float64) []knowledge.Candidate {
	out := make([]knowledge.Candidate, len(matches))
	for i, m := range matches {
		out[i] = knowledge.Candidate{Match: m}
	}
	return out
}

func TestConfidence(t *testing.T) {
	assert.Zero(t, knowledge.Confidence(nil), "no candidate, no confidence")

	tests := []struct {
		name         string
		lower, upper []knowledge.Candidate
	}{
		{"a clear winner beats a close race", cands(0.8, 0.75), cands(0.8, 0.3)},
		{"a better match beats a worse one with the same margin", cands(0.4, 0.2), cands(0.8, 0.6)},
		{"a lone candidate counts its whole match as margin", cands(0.5, 0.4), cands(0.5)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lo, hi := knowledge.Confidence(tt.lower), knowledge.Confidence(tt.upper)
			assert.Less(t, lo, hi)
			assert.Greater(t, lo, 0.0)
			assert.Less(t, hi, 1.0)
		})
	}

	// The default threshold sits where the evidence is strong: an exact repeat of a question
	// that no other article resembles clears it, a weak match in a crowd does not.
	assert.GreaterOrEqual(t, knowledge.Confidence(cands(1, 0.3)), knowledge.DefaultConfidenceThreshold)
	assert.Less(t, knowledge.Confidence(cands(0.45, 0.4)), knowledge.DefaultConfidenceThreshold)
}
