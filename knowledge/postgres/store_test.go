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

// TestContractCascade runs the suite with budgets so small that every query term beyond the
// rarest lands in the cascade's second or third level, so the gates are exercised on the
// suite's exact comparisons.
func TestContractCascade(t *testing.T) {
	storetest.Run(t, func(t *testing.T) knowledge.Store {
		return postgres.WithBudgets(postgres.New(pgtest.New(t)), 1, 2)
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

// TestLexicalCascadeIsExact compares lexical rankings over a synthetic corpus, whose common
// words make the cascade's gates open and close, with the brute-force reference.
func TestLexicalCascadeIsExact(t *testing.T) {
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
	assert.Equal(t, []string{"chunks_embedding_idx", "chunks_pkey", "chunks_terms_idx"}, indexes,
		"a bulk write rebuilds the indexes it dropped")

	articles := make([]knowledge.Article, len(corpus))
	for i, d := range corpus {
		articles[i] = d.Article
	}
	gen := newCorpusGen(8)
	p := knowledge.DefaultSearchParams()
	stores := map[string]*postgres.Store{
		"default budgets": postgres.New(pool),
		"tiny budgets":    postgres.WithBudgets(postgres.New(pool), 1, 40),
		"middle budgets":  postgres.WithBudgets(postgres.New(pool), 60, 300),
	}
	for name, store := range stores {
		t.Run(name, func(t *testing.T) {
			for i := 0; i < 40; i++ {
				text, lang := gen.query(articles)
				q := knowledge.SearchQuery{
					Terms: knowledge.Tokenize(text), Language: lang, Limit: 15, PerSide: 5 + i%3*10,
					MaxTerms: p.MaxTerms, K1: p.K1, B: p.B, RRFK: p.RRFK,
					VectorWeight: p.VectorWeight, LexicalWeight: p.LexicalWeight, LanguageBonus: p.LanguageBonus,
				}
				if i%4 == 0 {
					q.Category = articles[i].Category
				}
				got, err := store.Search(ctx, q)
				require.NoError(t, err, text)
				want := storetest.Reference(corpus, q)
				require.NotEmpty(t, want, text)
				storetest.AssertSameHits(t, want, got)
			}
		})
	}
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
	var terms, stored int
	require.NoError(t, pool.QueryRow(ctx, "SELECT (SELECT count(*) FROM lexicon), (SELECT chunks FROM knowledge_stats)").Scan(&terms, &stored))
	assert.Zero(t, terms, "the lexicon forgets terms no chunk holds")
	assert.Zero(t, stored)
}
