package knowledge

import (
	"cmp"
	"slices"
)

// rerankDepth is how many fused candidates the search re-scores.
const rerankDepth = 30

// rerank orders the store's hits by how well each article's text matches the query: the
// exact cosine of their n-gram features (the features the local embedder hashes into
// buckets, here without the noise of bucket collisions), plus the store's vector similarity
// when the embedder is a semantic one (for the local embedder that similarity only
// approximates the match and would count it twice), plus the language bonus. Best first,
// ties to the lower id. The articles' features come from cache (featureCache).
func rerank(query, lang string, hits []Hit, semantic bool, languageBonus float64, cache *featureCache) []Candidate {
	var f featurizer
	q := sparseFeatures(&f, query)
	out := make([]Candidate, len(hits))
	var dots []float64
	for i, h := range hits {
		c := Candidate{Article: h.Article, Similarity: h.Similarity, LexicalScore: h.LexicalScore, ChunkText: h.ChunkText}
		af := cache.of(&h.Article, &f)
		if cap(dots) < len(af.texts) {
			dots = make([]float64, len(af.texts))
		}
		dots = dots[:len(af.texts)]
		clear(dots)
		af.cosines(q, dots)
		shown := false
		for k, t := range af.texts {
			isShown := t.text == h.ChunkText
			shown = shown || isShown
			if af.later[k] && !isShown {
				continue // later answer chunks are compared only when the store found one best
			}
			if m := dots[k]; m > c.Match {
				c.Match, c.ChunkText = m, t.text
			}
		}
		if !shown && isLaterAnswer(h) {
			if m := q.cosine(sparseFeatures(&f, h.ChunkText)); m > c.Match {
				c.Match, c.ChunkText = m, h.ChunkText
			}
		}
		c.Score = c.Match
		if semantic {
			c.Score += h.Similarity
		}
		if lang != "" && h.Article.Language == lang {
			c.Score += languageBonus
		}
		out[i] = c
	}
	slices.SortStableFunc(out, func(a, b Candidate) int {
		if c := cmp.Compare(b.Score, a.Score); c != 0 {
			return c
		}
		return cmp.Compare(a.Article.ID, b.Article.ID)
	})
	return out
}

// isLaterAnswer tells whether the chunk the store found best is one of the article's answer
// chunks after the first. The texts compared with the query are the questions, the first
// answer chunk, and that chunk: later answer chunks are left out so that a long answer cannot
// make the search slow; the store's similarity covers them.
func isLaterAnswer(h Hit) bool {
	if h.ChunkText == "" {
		return false
	}
	answers := 0
	for _, c := range chunkTexts(h.Article) {
		if c.kind == ChunkAnswer {
			if answers++; answers > 1 && c.text == h.ChunkText {
				return true
			}
		}
	}
	return false
}
