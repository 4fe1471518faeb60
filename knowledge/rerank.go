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
// ties to the lower id. The cosines come from p, which may have them already.
func rerank(p *rerankPrep, lang string, hits []Hit, semantic bool, languageBonus float64) []Candidate {
	out := make([]Candidate, len(hits))
	for i, h := range hits {
		c := Candidate{Article: h.Article, Similarity: h.Similarity, LexicalScore: h.LexicalScore, ChunkText: h.ChunkText}
		af, dots := p.cosines(&h.Article)
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
			if m := p.question().cosine(sparseFeatures(&p.f, h.ChunkText)); m > c.Match {
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

// rerankPrep is the rerank's work that does not depend on the hits: the question's features
// and the cosines of each article's match texts with them. A store that waits on its database
// hands over the articles it expects among the hits (SearchQuery.Meanwhile), and their
// cosines are computed while the database works instead of after it answered.
type rerankPrep struct {
	query string
	cache *featureCache
	f     featurizer
	q     sparseVector // nil until first needed
	done  map[int64]preparedCosines
}

type preparedCosines struct {
	version int
	af      *articleFeatures
	dots    []float64
}

func newRerankPrep(query string, cache *featureCache) *rerankPrep {
	return &rerankPrep{query: query, cache: cache}
}

func (p *rerankPrep) question() sparseVector {
	if p.q == nil {
		p.q = sparseFeatures(&p.f, p.query)
	}
	return p.q
}

// prepare computes the cosines of arts ahead of the rerank.
func (p *rerankPrep) prepare(arts []*Article) {
	if p.done == nil {
		p.done = make(map[int64]preparedCosines, len(arts))
	}
	for _, a := range arts {
		af, dots := p.compute(a)
		p.done[a.ID] = preparedCosines{version: a.Version, af: af, dots: dots}
	}
}

// cosines returns a's features and the cosine of each of its texts with the question, as
// prepared when a's version was, else computed now.
func (p *rerankPrep) cosines(a *Article) (*articleFeatures, []float64) {
	if d, ok := p.done[a.ID]; ok && d.version == a.Version {
		return d.af, d.dots
	}
	return p.compute(a)
}

func (p *rerankPrep) compute(a *Article) (*articleFeatures, []float64) {
	af := p.cache.of(a, &p.f)
	dots := make([]float64, len(af.texts))
	af.cosines(p.question(), dots)
	return af, dots
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
