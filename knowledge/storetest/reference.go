package storetest

import (
	"cmp"
	"math"
	"slices"

	"github.com/faqbot/faqbot/knowledge"
)

// Stored is an article and the chunks a store holds for it.
type Stored struct {
	Article knowledge.Article
	Chunks  []knowledge.Chunk
}

// Reference ranks corpus for q by the letter of knowledge.SearchQuery, by brute force and
// without any index. The suite compares every store with it; being slow and obvious is its job.
// A query vector without direction (empty or all zeros) has no vector side.
func Reference(corpus []Stored, q knowledge.SearchQuery) []knowledge.Hit {
	lex := newCorpusStats(corpus)
	kept := lex.keep(q.Terms, q.MaxTerms)
	useVector := hasDirection(q.Vector)

	type side struct {
		id    int64
		score float64
	}
	var vecSide, lexSide []side
	for _, d := range corpus {
		if d.Article.Status != knowledge.StatusPublished || (q.Category != "" && d.Article.Category != q.Category) {
			continue
		}
		if useVector {
			if sim, at := bestSimilarity(d.Chunks, q.Vector); at >= 0 {
				vecSide = append(vecSide, side{d.Article.ID, sim})
			}
		}
		if score, at := lex.best(d.Chunks, kept, q.K1, q.B); at >= 0 {
			lexSide = append(lexSide, side{d.Article.ID, score})
		}
	}
	bestFirst := func(a, b side) int {
		if c := cmp.Compare(b.score, a.score); c != 0 {
			return c
		}
		return cmp.Compare(a.id, b.id)
	}
	slices.SortFunc(vecSide, bestFirst)
	slices.SortFunc(lexSide, bestFirst)

	hits := map[int64]*knowledge.Hit{}
	hit := func(id int64) *knowledge.Hit {
		if hits[id] == nil {
			hits[id] = &knowledge.Hit{}
		}
		return hits[id]
	}
	for i, s := range vecSide[:min(len(vecSide), q.PerSide)] {
		hit(s.id).VectorRank = i + 1
	}
	for i, s := range lexSide[:min(len(lexSide), q.PerSide)] {
		hit(s.id).LexicalRank = i + 1
	}

	var out []knowledge.Hit
	for _, d := range corpus {
		h := hits[d.Article.ID]
		if h == nil {
			continue
		}
		h.Article = d.Article
		shown := -1
		if useVector && (h.VectorRank > 0 || !q.OmitLexicalOnlySimilarity) {
			h.Similarity, shown = bestSimilarity(d.Chunks, q.Vector)
		}
		score, lexAt := lex.best(d.Chunks, kept, q.K1, q.B)
		h.LexicalScore = score
		if h.VectorRank == 0 && lexAt >= 0 {
			shown = lexAt
		}
		if shown >= 0 {
			h.ChunkKind, h.ChunkText = d.Chunks[shown].Kind, d.Chunks[shown].Text
		}
		if h.VectorRank > 0 {
			h.Fused += q.VectorWeight / (q.RRFK + float64(h.VectorRank))
		}
		if h.LexicalRank > 0 {
			h.Fused += q.LexicalWeight / (q.RRFK + float64(h.LexicalRank))
		}
		if q.Language != "" && d.Article.Language == q.Language {
			h.Fused += q.LanguageBonus
		}
		out = append(out, *h)
	}
	slices.SortFunc(out, func(a, b knowledge.Hit) int {
		if c := cmp.Compare(b.Fused, a.Fused); c != 0 {
			return c
		}
		return cmp.Compare(a.Article.ID, b.Article.ID)
	})
	return out[:min(len(out), q.Limit)]
}

func hasDirection(v []float32) bool {
	for _, x := range v {
		if x != 0 {
			return true
		}
	}
	return false
}

// bestSimilarity is the highest cosine similarity of the embedded chunks and that chunk's
// index (-1 when none is embedded); ties go to the lower ordinal.
func bestSimilarity(chunks []knowledge.Chunk, v []float32) (float64, int) {
	best, at := 0.0, -1
	for i, c := range chunks {
		if c.Embedding == nil {
			continue
		}
		sim := cosine(c.Embedding, v)
		if at < 0 || sim > best || (sim == best && c.Ordinal < chunks[at].Ordinal) {
			best, at = sim, i
		}
	}
	return best, at
}

func cosine(a, b []float32) float64 {
	var dot, na, nb float64
	for i := range a {
		x, y := float64(a[i]), float64(b[i])
		dot += x * y
		na += x * x
		nb += y * y
	}
	if na == 0 || nb == 0 {
		return 0
	}
	return max(-1, min(1, dot/math.Sqrt(na*nb)))
}

type corpusStats struct {
	n      float64
	avgLen float64
	df     map[string]int
}

func newCorpusStats(corpus []Stored) corpusStats {
	s := corpusStats{df: map[string]int{}}
	total := 0
	for _, d := range corpus {
		for _, c := range d.Chunks {
			s.n++
			total += c.Length
			for _, t := range distinct(c.Terms) {
				s.df[t]++
			}
		}
	}
	if s.n > 0 {
		s.avgLen = float64(total) / s.n
	}
	return s
}

type weighted struct {
	term string
	idf  float64
}

// keep applies the query-term rules: distinct, known (df > 0), the maxTerms of highest idf
// with ties to the earlier term.
func (s corpusStats) keep(terms []string, maxTerms int) []weighted {
	var out []weighted
	for _, t := range distinct(terms) {
		df := float64(s.df[t])
		if df == 0 {
			continue
		}
		out = append(out, weighted{t, math.Log(1 + (s.n-df+0.5)/(df+0.5))})
	}
	slices.SortStableFunc(out, func(a, b weighted) int { return cmp.Compare(b.idf, a.idf) })
	if maxTerms > 0 && len(out) > maxTerms {
		out = out[:maxTerms]
	}
	return out
}

// best is the highest BM25 score of chunks and its index (-1 when no chunk scores above 0);
// ties go to the lower ordinal.
func (s corpusStats) best(chunks []knowledge.Chunk, kept []weighted, k1, b float64) (float64, int) {
	best, at := 0.0, -1
	for i, c := range chunks {
		ratio := 1.0
		if s.avgLen > 0 {
			ratio = float64(c.Length) / s.avgLen
		}
		norm := (k1 + 1) / (1 + k1*(1-b+b*ratio))
		has := map[string]bool{}
		for _, t := range c.Terms {
			has[t] = true
		}
		score := 0.0
		for _, w := range kept {
			if has[w.term] {
				score += w.idf * norm
			}
		}
		if score > 0 && (at < 0 || score > best || (score == best && c.Ordinal < chunks[at].Ordinal)) {
			best, at = score, i
		}
	}
	return best, at
}

func distinct(terms []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, t := range terms {
		if !seen[t] {
			seen[t] = true
			out = append(out, t)
		}
	}
	return out
}
