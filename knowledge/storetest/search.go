package storetest

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/faqbot/faqbot/knowledge"
)

// query returns a SearchQuery with the service's default knobs.
func query(terms []string, vec []float32, lang string) knowledge.SearchQuery {
	p := knowledge.DefaultSearchParams()
	return knowledge.SearchQuery{
		Vector: vec, Terms: terms, Language: lang, Limit: 10, PerSide: p.PerSide, MaxTerms: p.MaxTerms,
		K1: p.K1, B: p.B, RRFK: p.RRFK, VectorWeight: p.VectorWeight, LexicalWeight: p.LexicalWeight,
		LanguageBonus: p.LanguageBonus,
	}
}

func lexicalQuery(terms []string) knowledge.SearchQuery { return query(terms, nil, "") }

func hitIDs(hits []knowledge.Hit) []int64 {
	ids := []int64{}
	for _, h := range hits {
		ids = append(ids, h.Article.ID)
	}
	return ids
}

func testSearchPublishedOnly(t *testing.T, s knowledge.Store) {
	ctx := ctxFor(t)
	require.NoError(t, s.EnsureModel(ctx, testModel))
	// The draft and the archived article match the query best on both sides; they must still
	// never be returned.
	q := "How do I withdraw my earnings?"
	v := []float32{0, 1, 0, 0}
	draft := create(t, s, newArticle("", "en", "payment", knowledge.StatusDraft, q, "Draft answer."),
		chunked(newArticle("", "en", "payment", knowledge.StatusDraft, q, "Draft answer."), v, v))
	_ = create(t, s, newArticle("", "en", "payment", knowledge.StatusArchived, q, "Old answer."),
		chunked(newArticle("", "en", "payment", knowledge.StatusArchived, q, "Old answer."), v, v))
	pub := create(t, s, newArticle("", "en", "payment", knowledge.StatusPublished, "Where are my earnings?", "In the wallet."),
		chunked(newArticle("", "en", "payment", knowledge.StatusPublished, "Where are my earnings?", "In the wallet."), axis(1, 2)))
	// A published article that becomes a draft leaves the results; its draft text never joined.
	later := create(t, s, newArticle("", "en", "payment", knowledge.StatusPublished, q, "Published answer."),
		chunked(newArticle("", "en", "payment", knowledge.StatusPublished, q, "Published answer."), v))
	hits, err := s.Search(ctx, query(knowledge.Tokenize(q), v, "en"))
	require.NoError(t, err)
	assert.Equal(t, []int64{later.ID, pub.ID}, hitIDs(hits))

	later.Status = knowledge.StatusDraft
	require.NoError(t, s.UpdateArticle(ctx, &later, chunked(later, v)))
	hits, err = s.Search(ctx, query(knowledge.Tokenize(q), v, "en"))
	require.NoError(t, err)
	assert.Equal(t, []int64{pub.ID}, hitIDs(hits))
	assert.NotContains(t, hitIDs(hits), draft.ID)
}

func testSearchCategory(t *testing.T, s knowledge.Store) {
	ctx := ctxFor(t)
	require.NoError(t, s.EnsureModel(ctx, testModel))
	mk := func(cat string, i int) knowledge.Article {
		a := newArticle("", "en", cat, knowledge.StatusPublished, "Refund for my order", "Refunds take a week.")
		return create(t, s, a, chunked(a, axis(i, 0)))
	}
	pay, _, pay2 := mk("payment", 0), mk("account", 1), mk("payment", 2)
	q := query([]string{"refund"}, axis(1, 0), "en")
	q.Category = "payment"
	hits, err := s.Search(ctx, q)
	require.NoError(t, err)
	assert.ElementsMatch(t, []int64{pay.ID, pay2.ID}, hitIDs(hits))
	for _, h := range hits {
		assert.Equal(t, "payment", h.Article.Category)
		assert.Positive(t, h.VectorRank, "ranks count within the category")
		assert.LessOrEqual(t, h.VectorRank, 2)
	}
}

func testSearchLanguageBonus(t *testing.T, s knowledge.Store) {
	ctx := ctxFor(t)
	require.NoError(t, s.EnsureModel(ctx, testModel))
	// Identical but for the language: without a bonus the lower id wins the tie.
	en := newArticle("", "en", "live", knowledge.StatusPublished, "stream lag", "restart the stream")
	zh := en
	zh.Language = "zh"
	en = create(t, s, en, chunked(en, axis(3, 0), axis(3, 0)))
	zh = create(t, s, zh, chunked(zh, axis(3, 0), axis(3, 0)))
	terms := []string{"stream", "lag"}

	tests := []struct {
		lang  string
		bonus float64
		first int64
	}{
		{"", 0.002, en.ID},
		{"en", 0, en.ID},
		{"zh", 0.002, zh.ID},
		{"en", 0.002, en.ID},
	}
	for _, tc := range tests {
		q := query(terms, axis(3, 0), tc.lang)
		q.LanguageBonus = tc.bonus
		hits, err := s.Search(ctx, q)
		require.NoError(t, err)
		require.Len(t, hits, 2)
		assert.Equal(t, tc.first, hits[0].Article.ID, "language %q bonus %v", tc.lang, tc.bonus)
		if tc.lang != "" && tc.bonus > 0 {
			// Same ranks on both sides swap, the bonus decides.
			assert.InDelta(t, tc.bonus, hits[0].Fused-hits[1].Fused+rrfGap(hits), Tolerance)
		}
	}
}

// rrfGap is what the ranks alone give the second hit over the first (negative or zero).
func rrfGap(hits []knowledge.Hit) float64 {
	p := knowledge.DefaultSearchParams()
	rrf := func(h knowledge.Hit) float64 {
		f := 0.0
		if h.VectorRank > 0 {
			f += p.VectorWeight / (p.RRFK + float64(h.VectorRank))
		}
		if h.LexicalRank > 0 {
			f += p.LexicalWeight / (p.RRFK + float64(h.LexicalRank))
		}
		return f
	}
	return rrf(hits[1]) - rrf(hits[0])
}

func testSearchLimits(t *testing.T, s knowledge.Store) {
	ctx := ctxFor(t)
	for _, edit := range []func(q *knowledge.SearchQuery){
		func(q *knowledge.SearchQuery) { q.Limit = 0 },
		func(q *knowledge.SearchQuery) { q.PerSide = 0 },
	} {
		q := lexicalQuery([]string{"x"})
		edit(&q)
		_, err := s.Search(ctx, q)
		assert.ErrorIs(t, err, knowledge.ErrInvalid)
	}
	hits, err := s.Search(ctx, query([]string{"nothing", "stored"}, axis(0, 0), "en"))
	require.NoError(t, err)
	assert.Empty(t, hits, "an empty store finds nothing")
}

// testOmitLexicalOnlySimilarity checks that OmitLexicalOnlySimilarity zeroes the similarity of
// the articles only the lexical side ranked, and of no other.
func testOmitLexicalOnlySimilarity(t *testing.T, s knowledge.Store) {
	ctx := ctxFor(t)
	require.NoError(t, s.EnsureModel(ctx, testModel))
	near := newArticle("", "en", "payment", knowledge.StatusPublished, "Where is my payout?", "In the wallet.")
	near = create(t, s, near, chunked(near, []float32{0, 1, 0, 0}, []float32{0, 1, 0, 0}))
	worded := newArticle("", "en", "account", knowledge.StatusPublished, "How do I reset my password?", "Use the link.")
	worded = create(t, s, worded, chunked(worded, []float32{1, 0, 0.2, 0}, []float32{1, 0, 0.2, 0}))
	q := query(knowledge.Tokenize("reset password"), []float32{0, 1, 0.1, 0}, "en")
	q.PerSide = 1 // the vector side ranks near only; the lexical side worded only

	byID := func(hits []knowledge.Hit) map[int64]knowledge.Hit {
		out := map[int64]knowledge.Hit{}
		for _, h := range hits {
			out[h.Article.ID] = h
		}
		return out
	}
	full, err := s.Search(ctx, q)
	require.NoError(t, err)
	q.OmitLexicalOnlySimilarity = true
	spared, err := s.Search(ctx, q)
	require.NoError(t, err)
	require.Len(t, full, 2)
	require.Len(t, spared, 2)
	f, o := byID(full), byID(spared)
	assert.Equal(t, 0, f[worded.ID].VectorRank)
	assert.Positive(t, f[worded.ID].Similarity, "computed off its side by default")
	assert.Zero(t, o[worded.ID].Similarity, "omitted on request")
	assert.Equal(t, f[worded.ID].ChunkText, o[worded.ID].ChunkText, "the lexical side still picks the chunk shown")
	assert.InDelta(t, f[near.ID].Similarity, o[near.ID].Similarity, Tolerance, "a vector-ranked hit keeps it")
	assert.Positive(t, o[near.ID].Similarity)
}

// testSearchMeanwhile: a store may hand over the articles it expects among the hits while it
// waits (SearchQuery.Meanwhile). Whatever it hands over is published, matches the query, and
// is in its current version, and asking for them changes no hit.
func testSearchMeanwhile(t *testing.T, s knowledge.Store) {
	ctx := ctxFor(t)
	require.NoError(t, s.EnsureModel(ctx, testModel))
	var arts []knowledge.Article
	for i, q := range []string{"How do I withdraw my earnings?", "Why did my earnings withdrawal fail?", "Earnings withdrawal limits"} {
		a := newArticle("", "en", "payment", knowledge.StatusPublished, q, "Open the wallet.")
		arts = append(arts, create(t, s, a, chunked(a, axis(i, 0))))
	}
	draft := newArticle("", "en", "payment", knowledge.StatusDraft, "Withdraw earnings draft", "Draft.")
	create(t, s, draft, chunked(draft, axis(0, 1)))
	q := query(knowledge.Tokenize("withdraw my earnings"), axis(0, 0), "en")
	check := func(step string) {
		want, err := s.Search(ctx, q)
		require.NoError(t, err, step)
		calls := 0
		var likely []knowledge.Article
		withHook := q
		withHook.Meanwhile = func(got []*knowledge.Article) {
			calls++
			for _, a := range got {
				likely = append(likely, *a)
			}
		}
		hits, err := s.Search(ctx, withHook)
		require.NoError(t, err, step)
		assert.Equal(t, hitIDs(want), hitIDs(hits), "%s: the hook changes no hit", step)
		assert.LessOrEqual(t, calls, 1, step)
		for _, a := range likely {
			current, err := s.GetArticle(ctx, a.ID)
			require.NoError(t, err, step)
			assert.Equal(t, current.Version, a.Version, "%s: article %d in its current version", step, a.ID)
			assert.Equal(t, current.Question, a.Question, step)
			assert.Equal(t, knowledge.StatusPublished, a.Status, step)
		}
	}
	check("first search")
	check("texts cached")
	arts[1].Question = "Why did my earnings withdrawal fail, and what now?"
	require.NoError(t, s.UpdateArticle(ctx, &arts[1], chunked(arts[1], axis(1, 0))))
	check("after an edit")
}
