package storetest_test

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/faqbot/faqbot/knowledge"
	"github.com/faqbot/faqbot/knowledge/storetest"
)

// The reference is what both stores are held to, so it is checked here against numbers worked
// out by hand from the formulas in knowledge.SearchQuery's doc comment.
func TestReferenceByHand(t *testing.T) {
	pub := knowledge.StatusPublished
	corpus := []storetest.Stored{
		{Article: knowledge.Article{ID: 1, Language: "en", Status: pub}, Chunks: []knowledge.Chunk{
			{Ordinal: 0, Kind: knowledge.ChunkQuestion, Text: "pay by card", Terms: []string{"pay", "card"}, Length: 2, Embedding: []float32{1, 0}},
			{Ordinal: 1, Kind: knowledge.ChunkAnswer, Text: "refunds", Terms: []string{"refund"}, Length: 1, Embedding: []float32{0, 1}},
		}},
		{Article: knowledge.Article{ID: 2, Language: "zh", Status: pub}, Chunks: []knowledge.Chunk{
			{Ordinal: 0, Kind: knowledge.ChunkQuestion, Text: "支付", Terms: []string{"pay"}, Length: 4, Embedding: []float32{1, 1}},
		}},
		// A draft counts in the statistics (N = 4, df(pay) = 3) and never in the results.
		{Article: knowledge.Article{ID: 3, Language: "en", Status: knowledge.StatusDraft}, Chunks: []knowledge.Chunk{
			{Ordinal: 0, Kind: knowledge.ChunkQuestion, Text: "pay", Terms: []string{"pay"}, Length: 3, Embedding: []float32{1, 0}},
		}},
	}
	const k1, b = 1.2, 0.75
	avg := 10.0 / 4
	norm := func(length float64) float64 { return (k1 + 1) / (1 + k1*(1-b+b*length/avg)) }
	idfPay := math.Log(1 + (4-3+0.5)/(3+0.5))
	idfRefund := math.Log(1 + (4-1+0.5)/(1+0.5))

	q := knowledge.SearchQuery{
		Vector: []float32{1, 0}, Terms: []string{"pay", "refund", "zzz", "pay"}, Language: "zh",
		Limit: 10, PerSide: 10, K1: k1, B: b, RRFK: 60, VectorWeight: 1, LexicalWeight: 1, LanguageBonus: 0.5,
	}
	tests := []struct {
		name string
		edit func(q *knowledge.SearchQuery)
		want []knowledge.Hit
	}{
		{"both sides", func(*knowledge.SearchQuery) {}, []knowledge.Hit{
			{ChunkKind: knowledge.ChunkQuestion, ChunkText: "支付", Similarity: 1 / math.Sqrt2, VectorRank: 2,
				LexicalScore: idfPay * norm(4), LexicalRank: 2, Fused: 1.0/62 + 1.0/62 + 0.5},
			{ChunkKind: knowledge.ChunkQuestion, ChunkText: "pay by card", Similarity: 1, VectorRank: 1,
				LexicalScore: idfRefund * norm(1), LexicalRank: 1, Fused: 1.0/61 + 1.0/61},
		}},
		{"MaxTerms keeps the rarest", func(q *knowledge.SearchQuery) { q.MaxTerms = 1 }, []knowledge.Hit{
			{ChunkKind: knowledge.ChunkQuestion, ChunkText: "支付", Similarity: 1 / math.Sqrt2, VectorRank: 2,
				Fused: 1.0/62 + 0.5},
			{ChunkKind: knowledge.ChunkQuestion, ChunkText: "pay by card", Similarity: 1, VectorRank: 1,
				LexicalScore: idfRefund * norm(1), LexicalRank: 1, Fused: 1.0/61 + 1.0/61},
		}},
		{"lexical only shows the best lexical chunk", func(q *knowledge.SearchQuery) { q.Vector, q.Language = nil, "" }, []knowledge.Hit{
			{ChunkKind: knowledge.ChunkAnswer, ChunkText: "refunds", LexicalScore: idfRefund * norm(1), LexicalRank: 1, Fused: 1.0 / 61},
			{ChunkKind: knowledge.ChunkQuestion, ChunkText: "支付", LexicalScore: idfPay * norm(4), LexicalRank: 2, Fused: 1.0 / 62},
		}},
		{"PerSide cuts each side", func(q *knowledge.SearchQuery) { q.PerSide, q.Language = 1, "" }, []knowledge.Hit{
			{ChunkKind: knowledge.ChunkQuestion, ChunkText: "pay by card", Similarity: 1, VectorRank: 1,
				LexicalScore: idfRefund * norm(1), LexicalRank: 1, Fused: 1.0/61 + 1.0/61},
		}},
	}
	ids := map[string]int64{"支付": 2, "pay by card": 1, "refunds": 1}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			qq := q
			tc.edit(&qq)
			got := storetest.Reference(corpus, qq)
			require.Len(t, got, len(tc.want))
			for i, w := range tc.want {
				g := got[i]
				assert.Equal(t, ids[w.ChunkText], g.Article.ID, "hit %d", i)
				assert.Equal(t, w.ChunkKind, g.ChunkKind, "hit %d", i)
				assert.Equal(t, w.ChunkText, g.ChunkText, "hit %d", i)
				assert.Equal(t, w.VectorRank, g.VectorRank, "hit %d", i)
				assert.Equal(t, w.LexicalRank, g.LexicalRank, "hit %d", i)
				assert.InDelta(t, w.Similarity, g.Similarity, 1e-12, "hit %d", i)
				assert.InDelta(t, w.LexicalScore, g.LexicalScore, 1e-12, "hit %d", i)
				assert.InDelta(t, w.Fused, g.Fused, 1e-12, "hit %d", i)
			}
		})
	}
}
