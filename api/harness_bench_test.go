package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/pgvector/pgvector-go"

	"github.com/faqbot/faqbot/api"
	"github.com/faqbot/faqbot/bot"
	botpg "github.com/faqbot/faqbot/bot/postgres"
	"github.com/faqbot/faqbot/bot/sentiment"
	handoffpg "github.com/faqbot/faqbot/handoff/postgres"
	"github.com/faqbot/faqbot/internal/auth"
	authpg "github.com/faqbot/faqbot/internal/auth/postgres"
	ipg "github.com/faqbot/faqbot/internal/postgres"
	"github.com/faqbot/faqbot/internal/postgres/pgtest"
	"github.com/faqbot/faqbot/knowledge"
	knowledgepg "github.com/faqbot/faqbot/knowledge/postgres"
)

// The benchmarks size themselves from the environment, so that `go test -bench .` stays
// affordable and the large runs are a deliberate choice:
//
//	FAQBOT_BENCH_ARTICLES  comma-separated corpus sizes (default 10000)
//	FAQBOT_BENCH_DIMS      dimensions of the local embedder (default: the server's, 384)
//	FAQBOT_BENCH_QUERIES   distinct questions per run (default 300)
//	FAQBOT_BENCH_CLIENTS   concurrent clients of the load benchmark (default 16)

func benchEnvInts(b *testing.B, name string, def ...int) []int {
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

func benchEnvInt(b *testing.B, name string, def int) int { return benchEnvInts(b, name, def)[0] }

const (
	benchAdminToken = "bench-admin-token-0123456789abcdef"
	benchUserSecret = "bench-user-secret-0123456789abcdef-0123456789"
	// benchTurnsPerConversation keeps conversations short: a turn reads the last messages,
	// and a long history would measure that instead of a turn.
	benchTurnsPerConversation = 20
	// benchMemory is the maintenance_work_mem an operator would give a server holding
	// 100,000 articles, so that the import's one HNSW build runs in memory.
	benchMemory = "1GB"
	// benchRequestLimit bounds every request of the benchmarks, so none hangs a run.
	benchRequestLimit = 30 * time.Second
)

// benchRecorder is the knowledge store with a tap on Search: the bare-SQL baselines replay
// exactly the statements the service sent, limits and all, rather than a guess of them.
type benchRecorder struct {
	knowledge.Store
	mu   sync.Mutex
	last knowledge.SearchQuery
}

func (r *benchRecorder) Search(ctx context.Context, q knowledge.SearchQuery) ([]knowledge.Hit, error) {
	r.mu.Lock()
	r.last = q
	r.mu.Unlock()
	return r.Store.Search(ctx, q)
}

// lastQuery is the statement's part of the last query: without the service's hook into its
// rerank, which belongs to that one search.
func (r *benchRecorder) lastQuery() knowledge.SearchQuery {
	r.mu.Lock()
	defer r.mu.Unlock()
	q := r.last
	q.Meanwhile = nil
	return q
}

// benchStack is the service as cmd/faqbot wires it on PostgreSQL — knowledge, auth, bot and
// handoff stores on one pool, the local embedder, extractive answers — behind a real
// http.Server on a loopback port, and a keep-alive client.
type benchStack struct {
	articles  int
	pool      *pgxpool.Pool
	store     *knowledgepg.Store
	recorder  *benchRecorder
	knowledge *knowledge.Service
	embedder  knowledge.Embedder
	convs     *botpg.Store
	tickets   *handoffpg.Store
	auth      *auth.Service
	url       string
	client    *http.Client
	editor    string // an editor's token, minted into the database as an operator would

	// questions are what editors try in search; vectors are their embeddings.
	questions []string
	vectors   [][]float32
	// searchQueries are the statements the service sent for questions (see warmSearch).
	searchQueries []knowledge.SearchQuery
	// turnTexts are questions the bot answers (see benchTurnTexts); turnQueries the search
	// statement each of them made during the warm-up.
	turnTexts   []string
	turnQueries map[string]knowledge.SearchQuery
}

func newBenchStack(b *testing.B, articles int) *benchStack {
	b.Helper()
	ctx := context.Background()
	s := &benchStack{articles: articles}
	s.pool = benchPool(b)
	s.store = knowledgepg.New(s.pool)
	s.recorder = &benchRecorder{Store: s.store}
	s.embedder = knowledge.NewLocalEmbedder(benchEnvInt(b, "FAQBOT_BENCH_DIMS", knowledge.DefaultLocalDimensions))
	s.knowledge = knowledge.NewService(s.recorder, s.embedder, knowledge.DefaultSearchParams())
	s.convs, s.tickets = botpg.New(s.pool), handoffpg.New(s.pool)
	s.auth = auth.NewService(authpg.New(s.pool), benchAdminToken)
	if err := s.knowledge.EnsureModel(ctx); err != nil {
		b.Fatal(err)
	}
	corpus := s.load(b)
	s.makeQuestions(b, corpus)

	srv := s.serve(b, nil)
	s.url = srv.URL
	s.client = benchClient(b)
	var err error
	if s.editor, _, err = s.auth.Mint(ctx, auth.RoleEditor, "bench editor"); err != nil {
		b.Fatal(err)
	}
	return s
}

// benchPool opens the pool on a fresh migrated database the way the server does
// (internal/postgres.Connect: pgxpool defaults, the HNSW settings on every connection).
func benchPool(b *testing.B) *pgxpool.Pool {
	b.Helper()
	ctx := context.Background()
	url := pgtest.URL(b)
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		b.Fatal(err)
	}
	var name string
	err = conn.QueryRow(ctx, "SELECT current_database()").Scan(&name)
	if err == nil {
		_, err = conn.Exec(ctx, "ALTER DATABASE "+pgx.Identifier{name}.Sanitize()+" SET maintenance_work_mem = '"+benchMemory+"'")
	}
	conn.Close(ctx)
	if err != nil {
		b.Fatal(err)
	}
	pool, err := ipg.Connect(ctx, url)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(pool.Close)
	return pool
}

// load imports the synthetic articles in one import, the path editors use.
func (s *benchStack) load(b *testing.B) []knowledge.Article {
	b.Helper()
	ctx := context.Background()
	gen := newBenchCorpus(1)
	articles := make([]knowledge.Article, s.articles)
	rows := make([]knowledge.ImportRow, s.articles)
	for i := range rows {
		articles[i] = gen.article(i)
		rows[i] = knowledge.ImportRow{Row: i + 1, Article: articles[i]}
	}
	start := time.Now()
	rep, err := s.knowledge.Import(ctx, rows)
	if err != nil {
		b.Fatal(err)
	}
	if len(rep.Failed) > 0 {
		b.Fatalf("import: %d rows failed, first: %+v", len(rep.Failed), rep.Failed[0])
	}
	took := time.Since(start)
	if _, err := s.pool.Exec(ctx, "VACUUM ANALYZE"); err != nil {
		b.Fatal(err)
	}
	var chunks, published int
	if err := s.pool.QueryRow(ctx, "SELECT count(*), count(*) FILTER (WHERE published) FROM chunks").Scan(&chunks, &published); err != nil {
		b.Fatal(err)
	}
	b.Logf("imported %d articles (%d chunks, %d of them published) in %v", s.articles, chunks, published, took.Round(time.Millisecond))
	return articles
}

func (s *benchStack) makeQuestions(b *testing.B, articles []knowledge.Article) {
	b.Helper()
	ctx := context.Background()
	n := benchEnvInt(b, "FAQBOT_BENCH_QUERIES", 300)
	gen := newBenchCorpus(2)
	s.questions = make([]string, n)
	for i := range s.questions {
		s.questions[i] = gen.question(articles)
	}
	var err error
	if s.vectors, err = s.embedder.Embed(ctx, s.questions); err != nil {
		b.Fatal(err)
	}
	s.turnTexts = benchTurnTexts(b, s.knowledge, gen, articles, n)
}

// benchTurnTexts picks questions the bot answers: retrieval is confident and the mood is
// calm. Other turns take other paths (asking back writes the same rows; a handoff adds a
// ticket and moves the conversation to the queue, after which the bot no longer retrieves),
// and the targets are about the answering turn.
func benchTurnTexts(b *testing.B, svc *knowledge.Service, gen *benchCorpus, articles []knowledge.Article, n int) []string {
	b.Helper()
	ctx := context.Background()
	mood := sentiment.NewLexicon()
	threshold := bot.DefaultConfig().Threshold
	var out []string
	tries := 0
	for ; len(out) < n && tries < 20*n; tries++ {
		q := gen.question(articles)
		m, err := mood.Analyze(ctx, q)
		if err != nil {
			b.Fatal(err)
		}
		if m.Label != sentiment.LabelNeutral && m.Label != sentiment.LabelPositive {
			continue
		}
		res, err := svc.Search(ctx, knowledge.SearchRequest{Query: q, TopK: bot.DefaultConfig().TopK, Language: knowledge.DetectLanguage(q)})
		if err != nil {
			b.Fatal(err)
		}
		if res.Confidence >= threshold && len(res.Candidates) > 0 {
			out = append(out, q)
		}
	}
	if len(out) < n/2 {
		b.Fatalf("only %d of %d generated questions are answerable; the corpus generator is off", len(out), tries)
	}
	b.Logf("turn texts: %d answerable of %d generated questions", len(out), tries)
	return out
}

// serve starts the API over the stack's stores on a loopback port, with the http.Server
// settings of cmd/faqbot. answerer nil means extractive answers, as without an LLM.
func (s *benchStack) serve(b *testing.B, answerer bot.Answerer) *httptest.Server {
	b.Helper()
	engine := bot.NewEngine(bot.DefaultConfig(), bot.Deps{
		Store: s.convs, Tickets: s.tickets, Retriever: s.knowledge, Answerer: answerer,
	})
	handler := api.New(api.Config{
		UserSecret: benchUserSecret,
		// The limiter runs but never refuses: every client here shares 127.0.0.1, and the
		// default 20 requests/s per address would measure the limit, not the service.
		RateLimit: 1e9,
		RateBurst: 1e9,
	}, api.Deps{
		// The production format, thrown away: formatting a log line is part of a request.
		Logger:    slog.New(slog.NewJSONHandler(io.Discard, nil)),
		Knowledge: s.knowledge,
		Auth:      s.auth,
		Bot:       engine,
		Ready:     func(ctx context.Context) error { return s.pool.Ping(ctx) },
	})
	srv := httptest.NewUnstartedServer(handler)
	srv.Config.ReadHeaderTimeout = 10 * time.Second
	srv.Config.ReadTimeout = 60 * time.Second
	srv.Config.IdleTimeout = 120 * time.Second
	srv.Config.RegisterOnShutdown(handler.CloseStreams)
	srv.Start()
	b.Cleanup(srv.Close)
	return srv
}

// benchClient keeps a connection per concurrent client alive, as an app's HTTP client does.
func benchClient(b *testing.B) *http.Client {
	tr := &http.Transport{MaxIdleConns: 128, MaxIdleConnsPerHost: 128, IdleConnTimeout: time.Minute}
	b.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr}
}

// post sends a JSON body and decodes a 200 answer into out.
func (s *benchStack) post(ctx context.Context, base, path, token string, body, out any) error {
	raw, err := json.Marshal(body)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, benchRequestLimit)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+path, bytes.NewReader(raw))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := s.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusCreated {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 1024))
		return fmt.Errorf("POST %s: %s: %s", path, resp.Status, msg)
	}
	err = json.NewDecoder(resp.Body).Decode(out)
	// Drain what the decoder left (the final newline), so the connection is reused.
	_, _ = io.Copy(io.Discard, resp.Body)
	return err
}

type benchSearchOut struct {
	Candidates []struct {
		ArticleID int64 `json:"article_id"`
	} `json:"candidates"`
}

// searchHTTP is an editor's "try a question": POST /v1/search for the top 10.
func (s *benchStack) searchHTTP(ctx context.Context, q string) error {
	var out benchSearchOut
	if err := s.post(ctx, s.url, "/v1/search", s.editor, map[string]any{"query": q, "top_k": 10}, &out); err != nil {
		return err
	}
	if len(out.Candidates) == 0 {
		return fmt.Errorf("search %q: no candidates", q)
	}
	return nil
}

// benchVectorSQL is the bare top-10 nearest-chunks query on the same table and index, with
// the ef_search every pooled connection has (internal/postgres.HNSWEfSearch).
const benchVectorSQL = `SELECT article_id, embedding <=> $1 AS dist FROM chunks
	WHERE published ORDER BY embedding <=> $1 LIMIT 10`

func (s *benchStack) searchSQL(ctx context.Context, v []float32) error {
	_, err := s.nearest(ctx, v)
	return err
}

type benchNearest struct {
	ArticleID int64   `db:"article_id" json:"article_id"`
	Dist      float64 `db:"dist" json:"dist"`
}

// nearest runs benchVectorSQL and checks that it found ten rows.
func (s *benchStack) nearest(ctx context.Context, v []float32) ([]benchNearest, error) {
	rows, _ := s.pool.Query(ctx, benchVectorSQL, pgvector.NewVector(v))
	got, err := pgx.CollectRows(rows, pgx.RowToStructByName[benchNearest])
	if err == nil && len(got) != 10 {
		err = fmt.Errorf("vector query: %d rows", len(got))
	}
	return got, err
}

// warmSearch asks every question once over HTTP and the vector query once: it warms the
// caches and prepared statements, and records the hybrid statement each question made.
func (s *benchStack) warmSearch(b *testing.B) {
	b.Helper()
	ctx := context.Background()
	s.searchQueries = make([]knowledge.SearchQuery, len(s.questions))
	for i, q := range s.questions {
		if err := s.searchHTTP(ctx, q); err != nil {
			b.Fatal(err)
		}
		s.searchQueries[i] = s.recorder.lastQuery()
		if err := s.searchSQL(ctx, s.vectors[i]); err != nil {
			b.Fatal(err)
		}
	}
}

// searchStore is the hybrid statement alone, through pgx: Store.Search with the query the
// service sent, which tells the time in SQL from the time around it.
func (s *benchStack) searchStore(ctx context.Context, q knowledge.SearchQuery) error {
	hits, err := s.store.Search(ctx, q)
	if err == nil && len(hits) == 0 {
		err = fmt.Errorf("hybrid search: no hits")
	}
	return err
}

// searchService is the search in process: embedding, the hybrid statement and the rerank,
// without HTTP, authentication and JSON.
func (s *benchStack) searchService(ctx context.Context, q string) error {
	res, err := s.knowledge.Search(ctx, knowledge.SearchRequest{Query: q, TopK: 10})
	if err == nil && len(res.Candidates) == 0 {
		err = fmt.Errorf("service search %q: no candidates", q)
	}
	return err
}
