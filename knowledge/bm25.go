package knowledge

import (
	"cmp"
	"math"
	"slices"
	"strings"
	"unicode"
)

// BM25 is classic Okapi BM25 over a fixed list of documents, with plain tokens: Chinese as
// character unigrams plus bigrams, everything else as lowercase words. It is the reference
// the retriever is measured against (docs/quality.md), not part of the product's ranking.
type BM25 struct {
	k1, b    float64
	avgLen   float64
	docs     []map[string]int // term frequencies per document
	lengths  []int
	postings map[string][]int // term -> documents containing it, ascending
}

// BM25Hit is one ranked document: its index in the list given to NewBM25.
type BM25Hit struct {
	Doc   int
	Score float64
}

// NewBM25 indexes docs with the given saturation k1 and length normalisation b (the usual
// values are 1.2 and 0.75).
func NewBM25(docs []string, k1, b float64) *BM25 {
	m := &BM25{k1: k1, b: b, postings: make(map[string][]int)}
	total := 0
	for i, d := range docs {
		toks := plainTokens(d)
		tf := make(map[string]int, len(toks))
		for _, t := range toks {
			if tf[t] == 0 {
				m.postings[t] = append(m.postings[t], i)
			}
			tf[t]++
		}
		m.docs = append(m.docs, tf)
		m.lengths = append(m.lengths, len(toks))
		total += len(toks)
	}
	if len(docs) > 0 {
		m.avgLen = float64(total) / float64(len(docs))
	}
	return m
}

// Search returns the k best documents with a positive score, best first (ties: lower index).
// A query term counts once however often it occurs.
func (m *BM25) Search(query string, k int) []BM25Hit {
	n := float64(len(m.docs))
	scores := make(map[int]float64)
	seen := make(map[string]bool)
	for _, t := range plainTokens(query) {
		docs := m.postings[t]
		if seen[t] || len(docs) == 0 {
			continue
		}
		seen[t] = true
		df := float64(len(docs))
		idf := math.Log(1 + (n-df+0.5)/(df+0.5))
		for _, d := range docs {
			tf := float64(m.docs[d][t])
			norm := 1 - m.b + m.b*float64(m.lengths[d])/m.avgLen
			scores[d] += idf * tf * (m.k1 + 1) / (tf + m.k1*norm)
		}
	}
	hits := make([]BM25Hit, 0, len(scores))
	for d, s := range scores {
		hits = append(hits, BM25Hit{Doc: d, Score: s})
	}
	slices.SortFunc(hits, func(a, b BM25Hit) int {
		if c := cmp.Compare(b.Score, a.Score); c != 0 {
			return c
		}
		return cmp.Compare(a.Doc, b.Doc)
	})
	return hits[:min(k, len(hits))]
}

// plainTokens is the textbook tokenisation of the BM25 baseline: Han characters as unigrams
// and bigrams of neighbours, runs of other letters and digits as lowercase words; no folding
// of width, suffixes or contractions.
func plainTokens(text string) []string {
	var out []string
	var word strings.Builder
	flush := func() {
		if word.Len() > 0 {
			out = append(out, word.String())
			word.Reset()
		}
	}
	var prevHan rune
	for _, r := range text {
		switch {
		case unicode.Is(unicode.Han, r):
			flush()
			out = append(out, string(r))
			if prevHan != 0 {
				out = append(out, string(prevHan)+string(r))
			}
			prevHan = r
			continue
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			word.WriteRune(unicode.ToLower(r))
		default:
			flush()
		}
		prevHan = 0
	}
	flush()
	return out
}
