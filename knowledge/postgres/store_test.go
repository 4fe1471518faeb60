package postgres_test

import (
	"context"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/faqbot/faqbot/internal/postgres/pgtest"
	"github.com/faqbot/faqbot/knowledge"
	"github.com/faqbot/faqbot/knowledge/postgres"
	"github.com/faqbot/faqbot/knowledge/storetest"
)

func TestContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T) knowledge.Store {
		return postgres.New(pgtest.New(t))
	})
}

// loadSynthetic writes n synthetic articles with one UpsertArticles (large enough to take the
// rebuild-the-indexes path) and returns what was stored, for storetest.Reference.
func loadSynthetic(t *testing.T, pool *pgxpool.Pool, n int) []storetest.Stored {
	t.Helper()
	ctx := context.Background()
	store := postgres.New(pool)
	emb := knowledge.NewLocalEmbedder(64)
	require.NoError(t, store.EnsureModel(ctx, knowledge.EmbeddingModel{Name: emb.Model(), Dimensions: emb.Dimensions()}))
	gen := newCorpusGen(7)
	items := make([]knowledge.ArticleChunks, n)
	for i := range items {
		a := gen.article(i)
		a.Normalize()
		require.NoError(t, a.Validate())
		chunks := knowledge.ChunkArticle(a)
		texts := make([]string, len(chunks))
		for j, c := range chunks {
			texts[j] = c.Text
		}
		vecs, err := emb.Embed(ctx, texts)
		require.NoError(t, err)
		for j := range chunks {
			chunks[j].Embedding = vecs[j]
		}
		items[i] = knowledge.ArticleChunks{Article: &a, Chunks: chunks}
	}
	_, err := store.UpsertArticles(ctx, items)
	require.NoError(t, err)
	out := make([]storetest.Stored, n)
	for i, it := range items {
		out[i] = storetest.Stored{Article: *it.Article, Chunks: it.Chunks}
	}
	return out
}

// assertStatsConsistent recomputes the chunk statistics from the chunks and compares them
// with what the writes maintained.
func assertStatsConsistent(t *testing.T, pool *pgxpool.Pool) {
	t.Helper()
	var ok bool
	require.NoError(t, pool.QueryRow(context.Background(), `
		SELECT (s.chunks, s.total_length) = (c.n, c.len)
		FROM knowledge_stats s, (SELECT count(*) AS n, coalesce(sum(length), 0) AS len FROM chunks) c`).Scan(&ok))
	assert.True(t, ok, "chunk count and total length")
}

// syntheticQueries returns lexical-only queries about the corpus, with varied PerSide and an
// occasional category filter, and their texts.
func syntheticQueries(corpus []storetest.Stored, n int) ([]knowledge.SearchQuery, []string) {
	articles := make([]knowledge.Article, len(corpus))
	for i, d := range corpus {
		articles[i] = d.Article
	}
	gen := newCorpusGen(8)
	p := knowledge.DefaultSearchParams()
	out := make([]knowledge.SearchQuery, n)
	texts := make([]string, n)
	for i := range out {
		text, lang, _ := gen.query(articles)
		texts[i] = text
		out[i] = knowledge.SearchQuery{
			Terms: knowledge.Tokenize(text), Language: lang, Limit: 15, PerSide: 5 + i%3*10,
			MaxTerms: p.MaxTerms, K1: p.K1, B: p.B, RRFK: p.RRFK,
			VectorWeight: p.VectorWeight, LexicalWeight: p.LexicalWeight, LanguageBonus: p.LanguageBonus,
		}
		if i%4 == 0 {
			out[i].Category = articles[i].Category
		}
	}
	return out, texts
}

// TestLexicalSide compares lexical rankings over a synthetic corpus, whose common words make
// the in-process index prune (MaxScore), with the brute-force reference, after bulk and small
// writes; and the same with K1 and B that void the pruning bounds.
func TestLexicalSide(t *testing.T) {
	ctx := context.Background()
	pool := pgtest.New(t)
	corpus := loadSynthetic(t, pool, 600)

	var indexes []string
	rows, err := pool.Query(ctx, "SELECT indexname FROM pg_indexes WHERE tablename = 'chunks' ORDER BY 1")
	require.NoError(t, err)
	for rows.Next() {
		var name string
		require.NoError(t, rows.Scan(&name))
		indexes = append(indexes, name)
	}
	require.NoError(t, rows.Err())
	assert.Equal(t, []string{"chunks_embedding_idx", "chunks_pkey"}, indexes,
		"a bulk write rebuilds the index it dropped")

	assertStatsConsistent(t, pool)

	// Re-importing the whole corpus, changed, takes the path that empties the chunks outright.
	store := postgres.New(pool)
	items := make([]knowledge.ArticleChunks, len(corpus))
	for i := range corpus {
		a := corpus[i].Article
		a.ID, a.Version = 0, 0
		if i%2 == 0 {
			a.Answer += " Updated."
			chunks := knowledge.ChunkArticle(a)
			for j := range chunks {
				chunks[j].Embedding = corpus[i].Chunks[min(j, len(corpus[i].Chunks)-1)].Embedding
			}
			corpus[i].Chunks = chunks
		}
		items[i] = knowledge.ArticleChunks{Article: &a, Chunks: corpus[i].Chunks}
	}
	res, err := store.UpsertArticles(ctx, items)
	require.NoError(t, err)
	for i, r := range res {
		assert.False(t, r.Created)
		assert.Equal(t, corpus[i].Article.ID, r.ID)
		corpus[i].Article = *items[i].Article
	}
	assertStatsConsistent(t, pool)
	history, err := store.History(ctx, corpus[0].Article.ID)
	require.NoError(t, err)
	assert.Len(t, history, 1)

	// Small writes keep the statistics in step incrementally.
	require.NoError(t, store.DeleteArticle(ctx, corpus[1].Article.ID, 0))
	corpus = append(corpus[:1], corpus[2:]...)
	small := corpus[2].Article
	small.Answer = "A short new answer."
	smallChunks := knowledge.ChunkArticle(small)
	for j := range smallChunks {
		smallChunks[j].Embedding = corpus[2].Chunks[0].Embedding
	}
	require.NoError(t, store.UpdateArticle(ctx, &small, smallChunks))
	corpus[2] = storetest.Stored{Article: small, Chunks: smallChunks}
	assertStatsConsistent(t, pool)

	queries, _ := syntheticQueries(corpus, 40)
	for _, q := range queries {
		got, err := store.Search(ctx, q)
		require.NoError(t, err)
		want := storetest.Reference(corpus, q)
		require.NotEmpty(t, want)
		storetest.AssertSameHits(t, want, got)
	}
	t.Run("bounds voided", func(t *testing.T) {
		for i, q := range queries[:10] {
			q.K1, q.B = 1.2, 1.5+float64(i%2) // the length factor grows with the length
			if i%3 == 0 {
				q.K1, q.B = -0.3, 0.75
			}
			got, err := store.Search(ctx, q)
			require.NoError(t, err)
			storetest.AssertSameHits(t, storetest.Reference(corpus, q), got)
		}
	})
}

func TestOverlongTermsAreStoredAndFound(t *testing.T) {
	ctx := context.Background()
	pool := pgtest.New(t)
	store := postgres.New(pool)
	// One 8,000-letter "word" (a pasted code, say): far too long for an index entry.
	blob := strings.Repeat("ab12", 2000)
	a := knowledge.Article{Question: "What is this code?", Answer: "Paste the code into the box.",
		Language: "en", Status: knowledge.StatusPublished}
	a.Normalize()
	require.NoError(t, a.Validate())
	chunks := knowledge.ChunkArticle(a)
	chunks[0].Terms = append(chunks[0].Terms, blob)
	chunks[0].Length++
	require.NoError(t, store.CreateArticle(ctx, &a, chunks))

	tests := []struct {
		name  string
		terms []string
		found bool
	}{
		{"the long term itself", []string{blob}, true},
		{"a term of the same length", []string{strings.Repeat("cd34", 2000)}, false},
		{"a short term", knowledge.Tokenize("paste"), true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := knowledge.DefaultSearchParams()
			hits, err := store.Search(ctx, knowledge.SearchQuery{Terms: tc.terms, Limit: 5, PerSide: 5,
				MaxTerms: p.MaxTerms, K1: p.K1, B: p.B, RRFK: p.RRFK, VectorWeight: 1, LexicalWeight: 1})
			require.NoError(t, err)
			if !tc.found {
				assert.Empty(t, hits)
				return
			}
			require.Len(t, hits, 1)
			assert.Positive(t, hits[0].LexicalScore)
		})
	}
	require.NoError(t, store.DeleteArticle(ctx, a.ID, 0))
	hits, err := store.Search(ctx, knowledge.SearchQuery{Terms: []string{blob}, Limit: 5, PerSide: 5, K1: 1.2, B: 0.75})
	require.NoError(t, err)
	assert.Empty(t, hits, "a deleted article's terms are gone")
	var stored int
	require.NoError(t, pool.QueryRow(ctx, "SELECT chunks FROM knowledge_stats").Scan(&stored))
	assert.Zero(t, stored)
}

// TestSearchWithAVectorOfAnotherModel fails with ErrModelMismatch while both statements of the
// search are in flight, and leaves the connections fit for the next searches.
func TestSearchWithAVectorOfAnotherModel(t *testing.T) {
	ctx := context.Background()
	pool := pgtest.New(t)
	corpus := loadSynthetic(t, pool, 20)
	store := postgres.New(pool)
	queries, _ := syntheticQueries(corpus, 1)
	q := queries[0]
	q.Vector = []float32{1, 0, 0} // the store holds 64 dimensions
	for range 8 {
		_, err := store.Search(ctx, q)
		require.ErrorIs(t, err, knowledge.ErrModelMismatch)
	}
	q.Vector = corpus[0].Chunks[0].Embedding
	for range 8 {
		hits, err := store.Search(ctx, q)
		require.NoError(t, err)
		assert.NotEmpty(t, hits)
	}
}
