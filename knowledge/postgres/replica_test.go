package postgres_test

import (
	"cmp"
	"context"
	"math"
	"slices"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/faqbot/faqbot/internal/postgres/pgtest"
	"github.com/faqbot/faqbot/knowledge"
	"github.com/faqbot/faqbot/knowledge/postgres"
	"github.com/faqbot/faqbot/knowledge/storetest"
)

// replicaCorpus is the stored corpus by id, kept in step with the writes of a test.
type replicaCorpus map[int64]storetest.Stored

func (c replicaCorpus) list() []storetest.Stored {
	out := make([]storetest.Stored, 0, len(c))
	for _, d := range c {
		out = append(out, d)
	}
	return out
}

// embedded chunks a with the 64-dimensional local embedder of loadSynthetic.
func embedded(t *testing.T, a knowledge.Article) []knowledge.Chunk {
	t.Helper()
	chunks := knowledge.ChunkArticle(a)
	texts := make([]string, len(chunks))
	for i, c := range chunks {
		texts[i] = c.Text
	}
	vecs, err := knowledge.NewLocalEmbedder(64).Embed(context.Background(), texts)
	require.NoError(t, err)
	for i := range chunks {
		chunks[i].Embedding = vecs[i]
	}
	return chunks
}

// assertReplicaAgrees checks that s ranks like the reference over the current corpus: exactly
// on the lexical side, and with each hit's similarity, text and version current on hybrid
// queries (whose vector side is the HNSW index's).
func assertReplicaAgrees(t *testing.T, s *postgres.Store, corpus replicaCorpus) {
	t.Helper()
	ctx := context.Background()
	docs := corpus.list()
	slices.SortFunc(docs, func(a, b storetest.Stored) int { return cmp.Compare(a.Article.ID, b.Article.ID) })
	queries, texts := syntheticQueries(docs, 12)
	for _, q := range queries {
		got, err := s.Search(ctx, q)
		require.NoError(t, err)
		storetest.AssertSameHits(t, storetest.Reference(docs, q), got)
	}
	emb := knowledge.NewLocalEmbedder(64)
	for i, q := range queries[:4] {
		vec, err := emb.Embed(ctx, []string{texts[i]})
		require.NoError(t, err)
		q.Vector = vec[0]
		got, err := s.Search(ctx, q)
		require.NoError(t, err)
		require.NotEmpty(t, got)
		for _, h := range got {
			d, ok := corpus[h.Article.ID]
			require.True(t, ok, "hit %d is a stored article", h.Article.ID)
			assert.Equal(t, knowledge.StatusPublished, d.Article.Status)
			assert.Equal(t, d.Article.Version, h.Article.Version)
			assert.Equal(t, d.Article.Title, h.Article.Title)
			assert.InDelta(t, bestCosine(d.Chunks, q.Vector), h.Similarity, storetest.Tolerance, "article %d", h.Article.ID)
		}
	}
}

func bestCosine(chunks []knowledge.Chunk, v []float32) float64 {
	best := 0.0
	for i, c := range chunks {
		var dot, na, nb float64
		for k := range v {
			dot += float64(c.Embedding[k]) * float64(v[k])
			na += float64(c.Embedding[k]) * float64(c.Embedding[k])
			nb += float64(v[k]) * float64(v[k])
		}
		if sim := dot / math.Sqrt(na*nb); i == 0 || sim > best {
			best = sim
		}
	}
	return best
}

// TestReplicasFollowEachOthersWrites runs two stores on one database, as two server processes
// would: every write through one must show in the other's next search, lexical index and
// cached article text included, whether it catches up change by change or reloads.
func TestReplicasFollowEachOthersWrites(t *testing.T) {
	ctx := context.Background()
	pool := pgtest.New(t)
	corpus := replicaCorpus{}
	for _, d := range loadSynthetic(t, pool, 40) {
		corpus[d.Article.ID] = d
	}
	writer, reader := postgres.New(pool), postgres.New(pool)
	assert.Equal(t, int64(-1), postgres.Generation(reader), "loaded by the first search")
	assertReplicaAgrees(t, reader, corpus)
	require.Equal(t, int64(1), postgres.Epoch(reader))
	require.Positive(t, postgres.CachedArticles(reader), "hit texts are cached")

	ids := make([]int64, 0, len(corpus))
	for id := range corpus {
		ids = append(ids, id)
	}
	first, second, third := corpus[ids[0]], corpus[ids[1]], corpus[ids[2]]

	t.Run("update", func(t *testing.T) {
		a := first.Article
		a.Title = "Brand new title 全新标题"
		a.Question = "How do I recolour the zebra widget 斑马?"
		a.Status = knowledge.StatusPublished
		chunks := embedded(t, a)
		require.NoError(t, writer.UpdateArticle(ctx, &a, chunks))
		corpus[a.ID] = storetest.Stored{Article: a, Chunks: chunks}
		hits, err := reader.Search(ctx, knowledge.SearchQuery{Terms: knowledge.Tokenize("zebra 斑马"), Limit: 5, PerSide: 5, K1: 1.2, B: 0.75})
		require.NoError(t, err)
		require.NotEmpty(t, hits)
		assert.Equal(t, a.ID, hits[0].Article.ID, "the new words find the article")
		assert.Equal(t, a.Title, hits[0].Article.Title, "the cached text is not served for a new version")
		assertReplicaAgrees(t, reader, corpus)
	})
	t.Run("unpublish, delete, create", func(t *testing.T) {
		a := second.Article
		a.Status = knowledge.StatusDraft
		require.NoError(t, writer.UpdateArticle(ctx, &a, second.Chunks))
		corpus[a.ID] = storetest.Stored{Article: a, Chunks: second.Chunks}
		require.NoError(t, writer.DeleteArticle(ctx, third.Article.ID, 0))
		delete(corpus, third.Article.ID)
		n := newCorpusGen(99).article(0)
		n.ExternalID, n.Status = "new-one", knowledge.StatusPublished
		n.Normalize()
		chunks := embedded(t, n)
		require.NoError(t, writer.CreateArticle(ctx, &n, chunks))
		corpus[n.ID] = storetest.Stored{Article: n, Chunks: chunks}
		assertReplicaAgrees(t, reader, corpus)
		assert.Equal(t, int64(1), postgres.Epoch(reader), "caught up change by change")
	})
	t.Run("behind the horizon", func(t *testing.T) {
		// A replica that slept through more writes than the log keeps reloads everything.
		a := corpus[ids[3]].Article
		a.Answer += " One more sentence."
		chunks := embedded(t, a)
		require.NoError(t, writer.UpdateArticle(ctx, &a, chunks))
		corpus[a.ID] = storetest.Stored{Article: a, Chunks: chunks}
		_, err := pool.Exec(ctx, "UPDATE knowledge_stats SET horizon = generation; DELETE FROM knowledge_changes")
		require.NoError(t, err)
		assertReplicaAgrees(t, reader, corpus)
		assert.Equal(t, int64(2), postgres.Epoch(reader))
	})
	t.Run("reindex", func(t *testing.T) {
		emb := knowledge.NewLocalEmbedder(64)
		_, err := writer.Reindex(ctx, knowledge.EmbeddingModel{Name: emb.Model(), Dimensions: emb.Dimensions()},
			func(ctx context.Context, batch []knowledge.Article) ([][]knowledge.Chunk, error) {
				out := make([][]knowledge.Chunk, len(batch))
				for i, a := range batch {
					out[i] = embedded(t, a)
					corpus[a.ID] = storetest.Stored{Article: a, Chunks: out[i]}
				}
				return out, nil
			})
		require.NoError(t, err)
		assertReplicaAgrees(t, reader, corpus)
		assert.Equal(t, int64(3), postgres.Epoch(reader), "a reindex makes every replica reload")
		var logged int
		require.NoError(t, pool.QueryRow(ctx, "SELECT count(*) FROM knowledge_changes").Scan(&logged))
		assert.Zero(t, logged, "nothing older than the horizon is kept")
	})
	t.Run("the writer's own index", func(t *testing.T) {
		assertReplicaAgrees(t, writer, corpus)
		var gen int64
		require.NoError(t, pool.QueryRow(ctx, "SELECT generation FROM knowledge_stats").Scan(&gen))
		assert.Equal(t, gen, postgres.Generation(writer))
		assert.Equal(t, gen, postgres.Generation(reader))
	})
}

// TestSearchesDuringWrites searches from several goroutines while another replica writes (run
// it with -race); afterwards the reader agrees with the reference.
func TestSearchesDuringWrites(t *testing.T) {
	ctx := context.Background()
	pool := pgtest.New(t)
	corpus := replicaCorpus{}
	for _, d := range loadSynthetic(t, pool, 30) {
		corpus[d.Article.ID] = d
	}
	writer, reader := postgres.New(pool), postgres.New(pool)
	queries, _ := syntheticQueries(corpus.list(), 8)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for g := range 4 {
		wg.Go(func() {
			for i := g; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				if _, err := reader.Search(ctx, queries[i%len(queries)]); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	gen := newCorpusGen(5)
	for i := range 15 {
		a := gen.article(1000 + i)
		a.Normalize()
		chunks := embedded(t, a)
		require.NoError(t, writer.CreateArticle(ctx, &a, chunks))
		corpus[a.ID] = storetest.Stored{Article: a, Chunks: chunks}
	}
	close(stop)
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	assertReplicaAgrees(t, reader, corpus)
}
