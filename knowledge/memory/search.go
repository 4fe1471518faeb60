package memory

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"

	"github.com/faqbot/faqbot/knowledge"
)

// Search implements knowledge.Store, ranking exactly as knowledge.SearchQuery specifies.
func (s *Store) Search(ctx context.Context, q knowledge.SearchQuery) ([]knowledge.Hit, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if q.Limit < 1 {
		return nil, &knowledge.FieldError{Field: "limit", Reason: fmt.Sprintf("must be at least 1, got %d", q.Limit)}
	}
	if q.PerSide < 1 {
		return nil, &knowledge.FieldError{Field: "per_side", Reason: fmt.Sprintf("must be at least 1, got %d", q.PerSide)}
	}
	s.mu.RLock()
	defer s.mu.RUnlock()

	eligible := func(r *record) bool {
		return r.article.Status == knowledge.StatusPublished && (q.Category == "" || r.article.Category == q.Category)
	}
	found := make(map[int64]*knowledge.Hit)
	hitOf := func(r *record) *knowledge.Hit {
		h := found[r.article.ID]
		if h == nil {
			h = &knowledge.Hit{Article: r.article}
			found[r.article.ID] = h
		}
		return h
	}

	qn := sumSquares(q.Vector)
	if len(q.Vector) > 0 {
		ranked, err := s.vectorSide(q.Vector, qn, eligible)
		if err != nil {
			return nil, err
		}
		for i, v := range ranked[:min(len(ranked), q.PerSide)] {
			hitOf(s.records[v.id]).VectorRank = i + 1
		}
	}
	scorer := s.newBM25(q)
	lexical := s.lexicalSide(scorer, eligible)
	for i, v := range lexical[:min(len(lexical), q.PerSide)] {
		hitOf(s.records[v.id]).LexicalRank = i + 1
	}

	hits := make([]knowledge.Hit, 0, len(found))
	for id, h := range found {
		r := s.records[id]
		simChunk := -1
		if len(q.Vector) > 0 && (h.VectorRank > 0 || !q.OmitLexicalOnlySimilarity) {
			h.Similarity, simChunk = bestSimilarity(r.chunks, q.Vector, qn)
		}
		var best int
		h.LexicalScore, best = scorer.best(r.chunks)
		if h.VectorRank > 0 || best < 0 {
			best = simChunk
		}
		if best >= 0 {
			h.ChunkKind, h.ChunkText = r.chunks[best].Kind, r.chunks[best].Text
		}
		if h.VectorRank > 0 {
			h.Fused += q.VectorWeight / (q.RRFK + float64(h.VectorRank))
		}
		if h.LexicalRank > 0 {
			h.Fused += q.LexicalWeight / (q.RRFK + float64(h.LexicalRank))
		}
		if q.Language != "" && h.Article.Language == q.Language {
			h.Fused += q.LanguageBonus
		}
		h.Article = copyArticle(h.Article)
		hits = append(hits, *h)
	}
	slices.SortFunc(hits, func(a, b knowledge.Hit) int {
		if c := cmp.Compare(b.Fused, a.Fused); c != 0 {
			return c
		}
		return cmp.Compare(a.Article.ID, b.Article.ID)
	})
	return hits[:min(len(hits), q.Limit)], nil
}

type scored struct {
	id    int64
	score float64
}

// byScore orders by score, highest first, then by lower id.
func byScore(a, b scored) int {
	if c := cmp.Compare(b.score, a.score); c != 0 {
		return c
	}
	return cmp.Compare(a.id, b.id)
}

// vectorSide returns every eligible article with an embedded chunk, most similar first.
func (s *Store) vectorSide(vec []float32, qn float32, eligible func(*record) bool) ([]scored, error) {
	out := make([]scored, 0, len(s.ids))
	for _, id := range s.ids {
		r := s.records[id]
		if !eligible(r) {
			continue
		}
		for _, c := range r.chunks {
			if c.Embedding != nil && len(c.Embedding) != len(vec) {
				return nil, fmt.Errorf("query vector has %d dimensions, article %d has %d: %w",
					len(vec), id, len(c.Embedding), knowledge.ErrModelMismatch)
			}
		}
		if sim, best := bestSimilarity(r.chunks, vec, qn); best >= 0 {
			out = append(out, scored{id: id, score: sim})
		}
	}
	slices.SortFunc(out, byScore)
	return out, nil
}

// bestSimilarity returns the best cosine similarity of the embedded chunks and the index of
// that chunk (-1 when none is embedded); ties go to the lower ordinal.
func bestSimilarity(chunks []storedChunk, vec []float32, qn float32) (float64, int) {
	best, at := 0.0, -1
	for i, c := range chunks {
		if c.Embedding == nil {
			continue
		}
		sim := cosine(c.Embedding, vec, c.sqNorm, qn)
		if at < 0 || sim > best || (sim == best && c.Ordinal < chunks[at].Ordinal) {
			best, at = sim, i
		}
	}
	return best, at
}

// cosine mirrors pgvector's cosine distance: float32 accumulation, a float64 quotient,
// clamped to [-1, 1]. na and nb are the sums of squares of a and b (see sumSquares), kept
// with the chunks so that a search computes only dot products. A zero vector has similarity
// 0 (pgvector gives NaN).
func cosine(a, b []float32, na, nb float32) float64 {
	var dot float32
	b = b[:len(a)]
	for i := range a {
		dot += float32(a[i] * b[i]) // the conversion forbids a fused multiply-add: same result on every CPU
	}
	if na == 0 || nb == 0 {
		return 0
	}
	sim := float64(dot) / math.Sqrt(float64(na)*float64(nb))
	return 1 - (1 - max(-1, min(1, sim)))
}

func sumSquares(v []float32) float32 {
	var s float32
	for _, x := range v {
		s += float32(x * x)
	}
	return s
}

// lexicalSide returns the eligible articles with a lexical score > 0, best first.
func (s *Store) lexicalSide(sc bm25, eligible func(*record) bool) []scored {
	seen := make(map[int64]bool)
	var out []scored
	for _, t := range sc.terms {
		for id := range s.lex.postings[t.id] {
			if seen[id] {
				continue
			}
			seen[id] = true
			r := s.records[id]
			if !eligible(r) {
				continue
			}
			if score, _ := sc.best(r.chunks); score > 0 {
				out = append(out, scored{id: id, score: score})
			}
		}
	}
	slices.SortFunc(out, byScore)
	return out
}

type keptTerm struct {
	id  uint32
	idf float64
}

// bm25 scores chunks for the kept query terms with binary term frequency.
type bm25 struct {
	terms  []keptTerm
	k1, b  float64
	avgLen float64
}

// newBM25 keeps the MaxTerms query terms of highest idf; MaxTerms < 1 keeps them all.
func (s *Store) newBM25(q knowledge.SearchQuery) bm25 {
	n := float64(s.lex.chunks)
	var terms []keptTerm
	seen := make(map[string]bool, len(q.Terms))
	for _, t := range q.Terms {
		if seen[t] {
			continue
		}
		seen[t] = true
		id, ok := s.lex.id(t)
		if !ok || s.lex.df[id] == 0 {
			continue
		}
		d := float64(s.lex.df[id])
		terms = append(terms, keptTerm{id: id, idf: math.Log(1 + (n-d+0.5)/(d+0.5))})
	}
	slices.SortStableFunc(terms, func(a, b keptTerm) int { return cmp.Compare(b.idf, a.idf) })
	if q.MaxTerms > 0 && len(terms) > q.MaxTerms {
		terms = terms[:q.MaxTerms]
	}
	sc := bm25{terms: terms, k1: q.K1, b: q.B}
	if s.lex.chunks > 0 {
		sc.avgLen = float64(s.lex.totalLen) / n
	}
	return sc
}

// best returns the best chunk score and its index (-1 when no kept term occurs); ties go to
// the lower ordinal.
func (sc bm25) best(chunks []storedChunk) (float64, int) {
	best, at := 0.0, -1
	for i, c := range chunks {
		score := sc.score(c)
		if score <= 0 {
			continue
		}
		if at < 0 || score > best || (score == best && c.Ordinal < chunks[at].Ordinal) {
			best, at = score, i
		}
	}
	return best, at
}

func (sc bm25) score(c storedChunk) float64 {
	ratio := 1.0
	if sc.avgLen > 0 {
		ratio = float64(c.Length) / sc.avgLen
	}
	norm := (sc.k1 + 1) / (1 + sc.k1*(1-sc.b+sc.b*ratio))
	var sum float64
	for _, t := range sc.terms {
		if _, ok := slices.BinarySearch(c.termIDs, t.id); ok {
			sum += t.idf * norm
		}
	}
	return sum
}
