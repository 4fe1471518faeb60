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
// ties to the lower id.
func rerank(query, lang string, hits []Hit, semantic bool, languageBonus float64) []Candidate {
	var f featurizer
	q := sparseFeatures(&f, query)
	out := make([]Candidate, len(hits))
	for i, h := range hits {
		c := Candidate{Article: h.Article, Similarity: h.Similarity, LexicalScore: h.LexicalScore, ChunkText: h.ChunkText}
		for _, t := range matchTexts(h) {
			if m := q.cosine(sparseFeatures(&f, t)); m > c.Match {
				c.Match, c.ChunkText = m, t
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

// matchTexts are the texts of a hit compared with the query: the questions, the first
// answer chunk, and the chunk the store found best. Later answer chunks are left out so that
// a long answer cannot make the search slow; the store's similarity covers them.
func matchTexts(h Hit) []string {
	var out []string
	answers := 0
	for _, c := range chunkTexts(h.Article) {
		if c.kind == ChunkAnswer {
			if answers++; answers > 1 && c.text != h.ChunkText {
				continue
			}
		}
		out = append(out, c.text)
	}
	return out
}
