package postgres

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/faqbot/faqbot/knowledge"
)

// randomState builds a state of n articles over a small, skewed vocabulary, so that common
// terms, equal term sets (exact ties) and pruning all occur. Articles go in in random order,
// as updates leave them, so that slot order says nothing of id order (ties go to lower ids).
func randomState(r *rand.Rand, n int) *lexState {
	st := newLexState(1, 1)
	var all []loadedArticle
	vocab := make([]string, 100)
	for i := range vocab {
		vocab[i] = fmt.Sprintf("t%d", i)
	}
	for id := int64(1); id <= int64(n); id++ {
		a := loadedArticle{ID: id, Version: 1, Published: r.IntN(10) > 0, Category: []string{"a", "b", "c"}[r.IntN(3)], Language: "en"}
		for o := range 1 + r.IntN(4) {
			var terms []string
			for range 1 + r.IntN(8) {
				// Squaring skews the choice toward the first terms: they become common.
				f := r.Float64()
				terms = append(terms, vocab[int(f*f*float64(len(vocab)))])
			}
			a.Chunks = append(a.Chunks, loadedChunk{Ordinal: int32(o), Length: int32(len(terms) + r.IntN(6)), Terms: terms})
		}
		all = append(all, a)
	}
	r.Shuffle(len(all), func(i, j int) { all[i], all[j] = all[j], all[i] })
	for _, a := range all {
		st.put(a)
	}
	return st
}

// exhaustive ranks every eligible article by its best chunk, without any pruning.
func exhaustive(st *lexState, lq *lexQuery, perSide int, category string) []lexHit {
	var out []lexHit
	want, ok := st.eligible(category)
	for _, a := range st.articles {
		m := st.chunks[a.slots[0]].match
		if !ok || m == 0 || (want != 0 && m != want) {
			continue
		}
		if score, ord := st.best(a, lq); ord >= 0 {
			out = append(out, lexHit{art: a, score: score, ordinal: ord})
		}
	}
	slices.SortFunc(out, func(a, b lexHit) int {
		if c := cmp.Compare(b.score, a.score); c != 0 {
			return c
		}
		return cmp.Compare(a.art.id, b.art.id)
	})
	return out[:min(len(out), perSide)]
}

func sameHits(t *testing.T, want, got []lexHit, msg string) {
	t.Helper()
	require.Equal(t, len(want), len(got), msg)
	for i := range want {
		require.Equal(t, want[i].art.id, got[i].art.id, "%s: place %d", msg, i)
		require.Equal(t, want[i].score, got[i].score, "%s: place %d", msg, i)
		require.Equal(t, want[i].ordinal, got[i].ordinal, "%s: place %d", msg, i)
	}
}

// TestTopPrunesWithoutChangingTheRanking compares the MaxScore search with exhaustive scoring
// over random corpora and queries, across PerSide, MaxTerms, categories and BM25 parameters,
// including parameters that disable pruning; and again after removals and a compaction.
func TestTopPrunesWithoutChangingTheRanking(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	st := randomState(r, 3000)
	check := func(stage string) {
		sc := new(lexScratch)
		for i := range 300 {
			var terms []string
			n := 1 + r.IntN(10)
			if i%10 == 9 {
				n = 200 // more kept terms than a bit mask holds
			}
			for range n {
				terms = append(terms, fmt.Sprintf("t%d", r.IntN(110))) // some unknown
			}
			q := knowledge.SearchQuery{Terms: terms, PerSide: []int{1, 5, 40, 200}[i%4], MaxTerms: []int{0, 3, 16}[i%3],
				K1: 1.2, B: 0.75}
			switch i % 7 {
			case 5:
				q.K1, q.B = 2, 1.3 // the length factor grows: bounds void
			case 6:
				q.K1, q.B = 0.5, 0
			}
			category := []string{"", "a", "", "b", "unknown"}[i%5]
			lq := st.prepare(q, sc)
			sameHits(t, exhaustive(st, &lq, q.PerSide, category), st.top(&lq, q.PerSide, category, sc), fmt.Sprintf("%s query %d %v", stage, i, terms))
			lq.release()
		}
	}
	check("as built")
	for id := int64(1); id <= 2500; id++ {
		st.remove(id)
	}
	require.Len(t, st.articles, 500)
	check("after removals")
	live, total := st.live, st.totalLen
	st.compact()
	assert.Zero(t, st.dead, "compacted")
	assert.Equal(t, live, st.live)
	assert.Equal(t, total, st.totalLen)
	assert.Len(t, st.chunkArt, live)
	check("after compaction")
}

func TestStatePutRemoveKeepsStatistics(t *testing.T) {
	st := newLexState(1, 1)
	st.put(loadedArticle{ID: 7, Version: 1, Published: true, Chunks: []loadedChunk{
		{Ordinal: 0, Length: 3, Terms: []string{"pay", "card", "pay"}}, // a repeated term counts once
		{Ordinal: 1, Length: 1, Terms: []string{"refund"}},
	}})
	assert.Equal(t, 2, st.live)
	assert.Equal(t, int64(4), st.totalLen)
	assert.Equal(t, int32(1), st.df[st.termIDs["pay"]])
	st.put(loadedArticle{ID: 7, Version: 2, Published: true, Chunks: []loadedChunk{{Ordinal: 0, Length: 2, Terms: []string{"card"}}}})
	assert.Equal(t, 1, st.live, "a put replaces the article")
	assert.Equal(t, int64(2), st.totalLen)
	assert.Zero(t, st.df[st.termIDs["pay"]])
	assert.Equal(t, 2, st.articles[7].version)
	st.remove(7)
	st.remove(8) // unknown: no error
	assert.Zero(t, st.live)
	assert.Zero(t, st.totalLen)
	lq := st.prepare(knowledge.SearchQuery{Terms: []string{"card"}, K1: 1.2, B: 0.75}, new(lexScratch))
	assert.Empty(t, lq.kept, "a term no chunk holds is not kept")
}

func TestContentCacheBoundsAndVersions(t *testing.T) {
	c := newContentCache(1000)
	item := func(id int64, version int, bytes int64) *content {
		return &content{article: knowledge.Article{ID: id, Version: version, Tags: []string{"x"}}, epoch: 1, bytes: bytes,
			chunks: []chunkContent{{kind: knowledge.ChunkQuestion, text: "q"}}}
	}
	c.put(item(1, 1, 400))
	c.put(item(2, 1, 400))
	_, ok := c.get(1, 1, 1) // 1 is now the most recently used
	require.True(t, ok)
	c.put(item(3, 1, 400))
	_, ok = c.get(2, 1, 1)
	assert.False(t, ok, "the least recently used entry went")
	_, ok = c.get(1, 2, 1)
	assert.False(t, ok, "another version is a miss")
	_, ok = c.get(1, 1, 2)
	assert.False(t, ok, "another epoch is a miss")
	c.put(item(4, 1, 5000))
	_, ok = c.get(4, 1, 1)
	assert.False(t, ok, "an entry larger than the cache is not kept")
	v, ok := c.get(3, 1, 1)
	require.True(t, ok)
	a, kind, text := v.hit(0)
	a.Tags[0] = "changed"
	assert.Equal(t, "x", v.article.Tags[0], "callers get their own copy")
	assert.Equal(t, knowledge.ChunkQuestion, kind)
	assert.Equal(t, "q", text)
	_, kind, text = v.hit(5)
	assert.Empty(t, kind, "an unknown ordinal shows nothing")
	assert.Empty(t, text)
	c.evict([]int64{3})
	c.clear()
	assert.Zero(t, c.size)
	assert.Empty(t, c.byID)
}
