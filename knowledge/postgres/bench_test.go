package postgres_test

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/pgvector/pgvector-go"

	ipg "github.com/faqbot/faqbot/internal/postgres"
	"github.com/faqbot/faqbot/internal/postgres/pgtest"
	"github.com/faqbot/faqbot/knowledge"
	"github.com/faqbot/faqbot/knowledge/memory"
	"github.com/faqbot/faqbot/knowledge/postgres"
)

// Benchmarks behind docs/benchmarks.md. They need PostgreSQL with pgvector (skipped without
// one) and size themselves from the environment, so that `go test -bench .` stays affordable:
//
//	FAQBOT_BENCH_ARTICLES  comma-separated corpus sizes for search and recall (default 10000)
//	FAQBOT_BENCH_DIMS      embedding dimensions of the local embedder (default 256, the server's)
//	FAQBOT_BENCH_QUERIES   distinct queries per run (default 300)

func envInts(b *testing.B, name string, def []int) []int {
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	var out []int
	for _, f := range strings.Split(v, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			b.Fatalf("%s: %q is not a list of positive numbers", name, v)
		}
		out = append(out, n)
	}
	return out
}

func benchEmbedder(b *testing.B) knowledge.Embedder {
	return knowledge.NewLocalEmbedder(envInts(b, "FAQBOT_BENCH_DIMS", []int{256})[0])
}

type benchQuery struct {
	text, lang string
	about      string // the external id of the article the question was made from
	vector     []float32
	terms      []string
}

type benchDB struct {
	pool     *pgxpool.Pool
	store    *postgres.Store
	svc      *knowledge.Service
	queries  []benchQuery
	articles []knowledge.Article
	exact    *knowledge.Service // the same articles in memory, for benchAgreement
}

// benchMemory is the maintenance_work_mem the benchmark databases get, as an operator would
// give a server holding 100,000 articles, so that an import's one HNSW build runs in memory.
const benchMemory = "1GB"

// loadBench fills a fresh database with n synthetic articles through the service, in one
// import, and prepares embedded queries about them.
func loadBench(b *testing.B, n int) *benchDB {
	b.Helper()
	ctx := context.Background()
	url := pgtest.URL(b)
	admin, err := pgx.Connect(ctx, url)
	if err != nil {
		b.Fatal(err)
	}
	var name string
	if err := admin.QueryRow(ctx, "SELECT current_database()").Scan(&name); err != nil {
		b.Fatal(err)
	}
	if _, err := admin.Exec(ctx, "ALTER DATABASE "+pgx.Identifier{name}.Sanitize()+" SET maintenance_work_mem = '"+benchMemory+"'"); err != nil {
		b.Fatal(err)
	}
	admin.Close(ctx)
	pool, err := ipg.Connect(ctx, url)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(pool.Close)
	store := postgres.New(pool)
	emb := benchEmbedder(b)
	svc := knowledge.NewService(store, emb, knowledge.DefaultSearchParams())
	if err := svc.EnsureModel(ctx); err != nil {
		b.Fatal(err)
	}
	gen := newCorpusGen(1)
	articles := make([]knowledge.Article, n)
	rows := make([]knowledge.ImportRow, n)
	for i := range rows {
		articles[i] = gen.article(i)
		rows[i] = knowledge.ImportRow{Row: i + 1, Article: articles[i]}
	}
	start := time.Now()
	rep, err := svc.Import(ctx, rows)
	if err != nil {
		b.Fatal(err)
	}
	if len(rep.Failed) > 0 {
		b.Fatalf("import failed rows: %+v", rep.Failed[:min(3, len(rep.Failed))])
	}
	b.Logf("loaded %d articles in %v", n, time.Since(start).Round(time.Millisecond))
	if _, err := pool.Exec(ctx, "VACUUM ANALYZE"); err != nil {
		b.Fatal(err)
	}
	db := &benchDB{pool: pool, store: store, svc: svc, articles: articles}
	qgen := newCorpusGen(2)
	count := envInts(b, "FAQBOT_BENCH_QUERIES", []int{300})[0]
	texts := make([]string, count)
	for i := range texts {
		var q benchQuery
		q.text, q.lang, q.about = qgen.query(articles)
		texts[i] = q.text
		db.queries = append(db.queries, q)
	}
	vecs, err := emb.Embed(ctx, texts)
	if err != nil {
		b.Fatal(err)
	}
	for i := range db.queries {
		db.queries[i].vector = vecs[i]
		db.queries[i].terms = knowledge.Tokenize(texts[i])
	}
	return db
}

// searchQuery is the query knowledge.Service sends for a top-10 search with the local
// embedder: its rerank reads 30 candidates, and not the similarity of those only the lexical
// side ranked.
func (db *benchDB) searchQuery(q benchQuery) knowledge.SearchQuery {
	p := knowledge.DefaultSearchParams()
	return knowledge.SearchQuery{
		Vector: q.vector, Terms: q.terms, Language: q.lang, Limit: 30, PerSide: p.PerSide, MaxTerms: p.MaxTerms,
		K1: p.K1, B: p.B, RRFK: p.RRFK, VectorWeight: p.VectorWeight, LexicalWeight: p.LexicalWeight,
		LanguageBonus: p.LanguageBonus, OmitLexicalOnlySimilarity: true,
	}
}

// vectorOnlySQL is the bare top-10 nearest-chunks query the hybrid search is measured against.
const vectorOnlySQL = `SELECT article_id, embedding <=> $1 AS dist FROM chunks
	WHERE published ORDER BY embedding <=> $1 LIMIT 10`

type nearest struct {
	ArticleID int64   `db:"article_id"`
	Dist      float64 `db:"dist"`
}

func vectorOnly(ctx context.Context, q pgx.Tx, pool *pgxpool.Pool, v []float32) ([]nearest, error) {
	var rows pgx.Rows
	if q != nil {
		rows, _ = q.Query(ctx, vectorOnlySQL, pgvector.NewVector(v))
	} else {
		rows, _ = pool.Query(ctx, vectorOnlySQL, pgvector.NewVector(v))
	}
	return pgx.CollectRows(rows, pgx.RowToStructByName[nearest])
}

// latencies runs op b.N times, cycling through the queries, and reports p50 and p99.
func latencies(b *testing.B, db *benchDB, op func(q benchQuery) error) {
	b.Helper()
	// Warm the caches and the prepared statement before timing.
	for _, q := range db.queries[:min(50, len(db.queries))] {
		if err := op(q); err != nil {
			b.Fatal(err)
		}
	}
	took := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		q := db.queries[i%len(db.queries)]
		start := time.Now()
		if err := op(q); err != nil {
			b.Fatal(err)
		}
		took = append(took, time.Since(start))
	}
	b.StopTimer()
	slices.Sort(took)
	pct := func(p float64) float64 {
		return float64(took[min(len(took)-1, int(p*float64(len(took))))].Microseconds())
	}
	b.ReportMetric(pct(0.50), "p50-µs")
	b.ReportMetric(pct(0.99), "p99-µs")
}

// BenchmarkSearch compares the hybrid Store.Search with the bare top-10 pgvector query over the
// same table, per corpus size, and measures the recall of the HNSW index on the same data.
func BenchmarkSearch(b *testing.B) {
	ctx := context.Background()
	for _, n := range envInts(b, "FAQBOT_BENCH_ARTICLES", []int{10000}) {
		db := loadBench(b, n)
		b.Run(fmt.Sprintf("articles=%d/index-load", n), func(b *testing.B) { benchIndexLoad(b, db) })
		b.Run(fmt.Sprintf("articles=%d/hybrid", n), func(b *testing.B) {
			latencies(b, db, func(q benchQuery) error {
				hits, err := db.store.Search(ctx, db.searchQuery(q))
				if err == nil && len(hits) == 0 {
					err = fmt.Errorf("no hits for %q", q.text)
				}
				return err
			})
		})
		b.Run(fmt.Sprintf("articles=%d/hybrid-without-terms", n), func(b *testing.B) {
			latencies(b, db, func(q benchQuery) error {
				sq := db.searchQuery(q)
				sq.Terms = nil
				_, err := db.store.Search(ctx, sq)
				return err
			})
		})
		b.Run(fmt.Sprintf("articles=%d/hybrid-without-vector", n), func(b *testing.B) {
			latencies(b, db, func(q benchQuery) error {
				sq := db.searchQuery(q)
				sq.Vector = nil
				_, err := db.store.Search(ctx, sq)
				return err
			})
		})
		b.Run(fmt.Sprintf("articles=%d/vector-only", n), func(b *testing.B) {
			latencies(b, db, func(q benchQuery) error {
				got, err := vectorOnly(ctx, nil, db.pool, q.vector)
				if err == nil && len(got) != 10 {
					err = fmt.Errorf("%d rows for %q", len(got), q.text)
				}
				return err
			})
		})
		b.Run(fmt.Sprintf("articles=%d/interleaved", n), func(b *testing.B) { benchInterleaved(b, db) })
		b.Run(fmt.Sprintf("articles=%d/agreement", n), func(b *testing.B) { benchAgreement(b, db) })
		benchRecall(b, db, n)
	}
}

// benchInterleaved runs the bare top-10 query, the hybrid Store.Search as the service calls
// it, and the same with the similarity of lexical-only hits (what a semantic embedder's rerank
// asks for) back to back on the same question, rotating which goes first, so that background
// load falls on all alike; it reports the p50s and their ratios to the bare query's (the
// target is at most 1.3).
func benchInterleaved(b *testing.B, db *benchDB) {
	ctx := context.Background()
	lat := make([][]time.Duration, 3)
	ops := []func(q benchQuery) error{
		func(q benchQuery) error { _, err := vectorOnly(ctx, nil, db.pool, q.vector); return err },
		func(q benchQuery) error { _, err := db.store.Search(ctx, db.searchQuery(q)); return err },
		func(q benchQuery) error {
			sq := db.searchQuery(q)
			sq.OmitLexicalOnlySimilarity = false
			_, err := db.store.Search(ctx, sq)
			return err
		},
	}
	for _, q := range db.queries[:min(50, len(db.queries))] { // warm up
		for _, op := range ops {
			if err := op(q); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		q := db.queries[i%len(db.queries)]
		for k := range ops {
			at := (i + k) % len(ops)
			start := time.Now()
			if err := ops[at](q); err != nil {
				b.Fatal(err)
			}
			lat[at] = append(lat[at], time.Since(start))
		}
	}
	b.StopTimer()
	p50 := make([]float64, len(lat))
	for k, l := range lat {
		slices.Sort(l)
		p50[k] = float64(l[len(l)/2].Microseconds())
	}
	b.ReportMetric(p50[0], "bare-p50-µs")
	b.ReportMetric(p50[1], "hybrid-p50-µs")
	b.ReportMetric(p50[2], "with-lexical-sim-p50-µs")
	b.ReportMetric(p50[1]/p50[0], "p50-ratio")
	b.ReportMetric(p50[2]/p50[0], "with-lexical-sim-ratio")
}

// benchIndexLoad loads the lexical index into a new store, once whatever b.N is (it measures
// a start-up, and -benchtime=2000x is meant for the latency runs beside it), and reports the
// time and the heap the index keeps (live heap after a GC, before and after the load).
func benchIndexLoad(b *testing.B, db *benchDB) {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	s := postgres.New(db.pool)
	start := time.Now()
	if err := s.Warm(context.Background()); err != nil {
		b.Fatal(err)
	}
	took := time.Since(start)
	runtime.GC()
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(s)
	b.ReportMetric(took.Seconds()*1000, "load-ms")
	b.ReportMetric((float64(after.HeapAlloc)-float64(before.HeapAlloc))/(1<<20), "index-MiB")
}

// vectorArticles is the vector side of Store.Search alone (PerSide 40 reads 40 chunks): the
// ten best articles.
func vectorArticles(ctx context.Context, tx pgx.Tx, v []float32) ([]int64, error) {
	rows, _ := tx.Query(ctx, `WITH c AS MATERIALIZED (
			SELECT article_id, embedding <=> $1 AS dist FROM chunks WHERE published
			ORDER BY embedding <=> $1 LIMIT 40)
		SELECT article_id FROM c GROUP BY article_id ORDER BY min(dist), article_id LIMIT 10`, pgvector.NewVector(v))
	return pgx.CollectRows(rows, pgx.RowTo[int64])
}

// overlap counts the results of got that belong in the exact top 10: a result as close as the
// exact tenth counts, since the synthetic corpus repeats some texts and so ties distances.
func overlap(got, want []nearest) float64 {
	if len(want) == 0 {
		return 0
	}
	bound := want[len(want)-1].Dist + 1e-9
	n := 0.0
	for _, g := range got {
		if g.Dist <= bound {
			n++
		}
	}
	return min(n, float64(len(want)))
}

// benchRecall measures recall@10 of the HNSW search against exact search (the same query with
// index scans off) for several ef_search values; the pool's default is
// internal/postgres.HNSWEfSearch. It reports chunk-level recall of the bare query and
// article-level recall of Store.Search's vector side.
func benchRecall(b *testing.B, db *benchDB, n int) {
	ctx := context.Background()
	queries := db.queries[:min(100, len(db.queries))]
	exact := make([][]nearest, len(queries))
	exactArticles := make([][]nearest, len(queries))
	// Computed on first use, so that -bench filters that skip recall skip this scan too.
	var once sync.Once
	computeExact := func(b *testing.B) {
		for i, q := range queries {
			err := pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
				if _, err := tx.Exec(ctx, "SET LOCAL enable_indexscan = off"); err != nil {
					return err
				}
				var err error
				var rows pgx.Rows
				// The simple protocol plans each query afresh: a plan cached while index scans
				// were on would otherwise answer from the HNSW index again.
				rows, _ = tx.Query(ctx, vectorOnlySQL, pgx.QueryExecModeSimpleProtocol, pgvector.NewVector(q.vector))
				if exact[i], err = pgx.CollectRows(rows, pgx.RowToStructByName[nearest]); err != nil {
					return err
				}
				rows, _ = tx.Query(ctx, `SELECT article_id, min(embedding <=> $1) AS dist FROM chunks WHERE published
				GROUP BY article_id ORDER BY 2, 1 LIMIT 10`, pgx.QueryExecModeSimpleProtocol, pgvector.NewVector(q.vector))
				exactArticles[i], err = pgx.CollectRows(rows, pgx.RowToStructByName[nearest])
				return err
			})
			if err != nil {
				b.Fatal(err)
			}
		}
	}
	for _, ef := range []int{20, 40, 64, 100, 200} {
		b.Run(fmt.Sprintf("articles=%d/recall-ef_search=%d", n, ef), func(b *testing.B) {
			once.Do(func() { computeExact(b) })
			// One pass over the queries whatever b.N is: this measures quality, not time, and
			// -benchtime=2000x is meant for the latency runs beside it.
			var chunkHits, articleHits, total float64
			for i, q := range queries {
				err := pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
					if _, err := tx.Exec(ctx, fmt.Sprintf("SET LOCAL hnsw.ef_search = %d", ef)); err != nil {
						return err
					}
					got, err := vectorOnly(ctx, tx, nil, q.vector)
					if err != nil {
						return err
					}
					chunkHits += overlap(got, exact[i])
					arts, err := vectorArticles(ctx, tx, q.vector)
					if err != nil {
						return err
					}
					hits, err := overlapArticles(ctx, tx, arts, exactArticles[i], q.vector)
					articleHits += hits
					return err
				})
				if err != nil {
					b.Fatal(err)
				}
				total += 10
			}
			b.ReportMetric(chunkHits/total, "chunk-recall@10")
			b.ReportMetric(articleHits/total, "article-recall@10")
		})
	}
}

// overlapArticles counts the articles of got whose best chunk is as close as the exact tenth
// article's, ties counting as in overlap.
func overlapArticles(ctx context.Context, tx pgx.Tx, got []int64, want []nearest, v []float32) (float64, error) {
	if len(want) == 0 {
		return 0, nil
	}
	var n float64
	err := tx.QueryRow(ctx, `SELECT count(*) FROM (
			SELECT min(embedding <=> $1) AS d FROM chunks WHERE article_id = ANY($2) AND published GROUP BY article_id) x
		WHERE d <= $3`, pgvector.NewVector(v), got, want[len(want)-1].Dist+1e-9).Scan(&n)
	return min(n, float64(len(want))), err
}

// BenchmarkImport measures Service.Import of a whole file of new articles (one transaction),
// the local embedder included, into an empty store with its HNSW index and the server's
// default settings, then the re-import of the same file, which replaces every article.
// FAQBOT_BENCH_IMPORT sets the file's size (default 10000).
func BenchmarkImport(b *testing.B) {
	ctx := context.Background()
	n := envInts(b, "FAQBOT_BENCH_IMPORT", []int{10000})[0]
	gen := newCorpusGen(3)
	rows := make([]knowledge.ImportRow, n)
	for i := range rows {
		rows[i] = knowledge.ImportRow{Row: i + 1, Article: gen.article(i)}
	}
	var createSecs, replaceSecs float64
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		pool := pgtest.New(b)
		svc := knowledge.NewService(postgres.New(pool), benchEmbedder(b), knowledge.DefaultSearchParams())
		if err := svc.EnsureModel(ctx); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		for _, took := range []*float64{&createSecs, &replaceSecs} {
			start := time.Now()
			rep, err := svc.Import(ctx, rows)
			if err != nil {
				b.Fatal(err)
			}
			if len(rep.Failed) > 0 || rep.Created+rep.Updated != n {
				b.Fatalf("import: %+v", rep)
			}
			*took += time.Since(start).Seconds()
		}
		b.StopTimer()
		pool.Close()
	}
	b.ReportMetric(float64(n*b.N)/createSecs, "created/s")
	b.ReportMetric(float64(n*b.N)/replaceSecs, "replaced/s")
}

// benchAgreement measures what the approximations of the PostgreSQL store cost in answers: the
// vector side's HNSW index and its bounded depth (the in-memory store ranks every chunk
// exactly). The same service searches the same articles on both stores; it reports how often
// the top hit is the same, how much of the top 10 is, and on each store how often the top hit,
// or one of the top 5, is the article the question was made from. One pass over the queries
// whatever b.N is: this measures quality, not time.
func benchAgreement(b *testing.B, db *benchDB) {
	ctx := context.Background()
	if db.exact == nil { // the testing package calls a benchmark more than once
		db.exact = knowledge.NewService(memory.New(), benchEmbedder(b), knowledge.DefaultSearchParams())
		if err := db.exact.EnsureModel(ctx); err != nil {
			b.Fatal(err)
		}
		rows := make([]knowledge.ImportRow, len(db.articles))
		for i, a := range db.articles {
			rows[i] = knowledge.ImportRow{Row: i + 1, Article: a}
		}
		if rep, err := db.exact.Import(ctx, rows); err != nil || len(rep.Failed) > 0 {
			b.Fatalf("import into memory: %v %+v", err, rep.Failed)
		}
	}
	exact := db.exact
	var sameTop, overlap, pgHit1, memHit1, pgHit5, memHit5 float64
	for _, q := range db.queries {
		req := knowledge.SearchRequest{Query: q.text, TopK: 10}
		got, err := db.svc.Search(ctx, req)
		if err != nil {
			b.Fatal(err)
		}
		want, err := exact.Search(ctx, req)
		if err != nil {
			b.Fatal(err)
		}
		if len(got.Candidates) == 0 || len(want.Candidates) == 0 {
			b.Fatalf("no candidates for %q", q.text)
		}
		if got.Candidates[0].Article.ExternalID == want.Candidates[0].Article.ExternalID {
			sameTop++
		}
		inWant := make(map[string]bool, len(want.Candidates))
		for _, c := range want.Candidates {
			inWant[c.Article.ExternalID] = true
		}
		for _, c := range got.Candidates {
			if inWant[c.Article.ExternalID] {
				overlap++
			}
		}
		pgHit1 += hitAt(got.Candidates, q.about, 1)
		memHit1 += hitAt(want.Candidates, q.about, 1)
		pgHit5 += hitAt(got.Candidates, q.about, 5)
		memHit5 += hitAt(want.Candidates, q.about, 5)
	}
	n := float64(len(db.queries))
	b.ReportMetric(sameTop/n, "same-top1")
	b.ReportMetric(overlap/(10*n), "top10-overlap")
	b.ReportMetric(pgHit1/n, "hit@1")
	b.ReportMetric(memHit1/n, "exact-hit@1")
	b.ReportMetric(pgHit5/n, "hit@5")
	b.ReportMetric(memHit5/n, "exact-hit@5")
}

// hitAt is 1 when the article of externalID is among the first k candidates.
func hitAt(cands []knowledge.Candidate, externalID string, k int) float64 {
	for _, c := range cands[:min(k, len(cands))] {
		if c.Article.ExternalID == externalID {
			return 1
		}
	}
	return 0
}
