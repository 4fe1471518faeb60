package knowledge_test

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/faqbot/faqbot/knowledge"
)

func TestBM25(t *testing.T) {
	docs := []string{
		"how do I reset my password",
		"password password password reset",
		"花呗怎么还款",
		"refund not showing",
		"how do I reset my password", // a duplicate of 0: ties go to the lower index
	}
	m := knowledge.NewBM25(docs, 1.2, 0.75)

	t.Run("ranking", func(t *testing.T) {
		hits := m.Search("reset password", 10)
		require.Len(t, hits, 3)
		assert.Equal(t, []int{1, 0, 4}, []int{hits[0].Doc, hits[1].Doc, hits[2].Doc},
			"term frequency counts (classic BM25), equal scores keep the lower index first")
		assert.Equal(t, hits[1].Score, hits[2].Score)
	})
	t.Run("score by hand", func(t *testing.T) {
		// "refund" occurs once, in doc 3 of 3 tokens; the lengths are 6, 4, 11 (six
		// characters and five bigrams), 3 and 6, so the mean is 6.
		hits := m.Search("refund", 10)
		require.Len(t, hits, 1)
		idf := math.Log(1 + (5-1+0.5)/(1+0.5))
		want := idf * 2.2 / (1 + 1.2*(1-0.75+0.75*3.0/6.0))
		assert.InDelta(t, want, hits[0].Score, 1e-12)
	})
	t.Run("chinese unigrams and bigrams", func(t *testing.T) {
		hits := m.Search("花呗如何还款", 10)
		require.NotEmpty(t, hits)
		assert.Equal(t, 2, hits[0].Doc)
	})
	t.Run("query terms count once", func(t *testing.T) {
		assert.Equal(t, m.Search("refund", 1), m.Search("refund refund refund", 1))
	})
	t.Run("k and no match", func(t *testing.T) {
		assert.Len(t, m.Search("reset password", 2), 2)
		assert.Empty(t, m.Search("nothing here", 10))
	})
	t.Run("empty corpus", func(t *testing.T) {
		assert.Empty(t, knowledge.NewBM25(nil, 1.2, 0.75).Search("anything", 10))
	})
}
