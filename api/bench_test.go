package api_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/faqbot/faqbot/bot"
)

// BenchmarkHTTP measures the service end to end on PostgreSQL, as cmd/faqbot wires it, over
// HTTP on a loopback port with a keep-alive client, against the bare SQL each request needs
// through pgx on the same pool and data. docs/benchmarks.md ("HTTP service") has the figures,
// the commands and the targets. Per corpus size (FAQBOT_BENCH_ARTICLES, default 10000):
//
//   - search: POST /v1/search (editor token, top 10) against the bare top-10 pgvector query
//     on the same chunks table; to show where the time goes, also the hybrid statement alone
//     (Store.Search with the query the service sent) and the service's search in process.
//     Also the floor of any HTTP front: the bare query behind a minimal Echo route
//     (minimal-p50-ratio, over the bare query). Each iteration runs one of each, rotating
//     which goes first, so that background load falls on all alike; ns/op is the five
//     together.
//   - turn: POST /v1/conversations/{id}/messages (user token, extractive answers) against the
//     bare SQL of a turn: the very search statement the service ran for that text, then one
//     transaction writing the user's message and the reply. Interleaved as above.
//   - clients=16: the same turns from 16 concurrent clients (FAQBOT_BENCH_CLIENTS), b.N turns
//     each way, in alternating halves (bare, HTTP, bare, HTTP); turns/s from the wall time.
//   - stream: the turn with an LLM answerer behind a fake OpenAI server, asked for server-sent
//     events: the time from the fake flushing its first content chunk to the client reading
//     the first delta frame.
//
// With several sizes, search at the later sizes also reports its HTTP p50 over the first
// size's (http-p50-vs-first).
func BenchmarkHTTP(b *testing.B) {
	sizes := benchEnvInts(b, "FAQBOT_BENCH_ARTICLES", 10000)
	clients := benchEnvInt(b, "FAQBOT_BENCH_CLIENTS", 16)
	var firstP50 float64
	for k, n := range sizes {
		b.Run(fmt.Sprintf("articles=%d", n), func(b *testing.B) {
			s := newBenchStack(b, n)
			b.Run("search", func(b *testing.B) {
				p50 := benchSearch(b, s)
				if k == 0 {
					firstP50 = p50
				} else if firstP50 > 0 {
					b.ReportMetric(p50/firstP50, "http-p50-vs-first")
				}
			})
			b.Run("turn", func(b *testing.B) { benchTurn(b, s) })
			b.Run(fmt.Sprintf("clients=%d", clients), func(b *testing.B) { benchClients(b, s, clients) })
			b.Run("stream", func(b *testing.B) { benchStream(b, s) })
		})
	}
}

// benchRound runs each op once, starting at op i mod len(ops), so that over the run every op
// goes first as often as the others and background load falls on all of them alike.
func benchRound(i int, ops ...func() error) error {
	for k := range ops {
		if err := ops[(i+k)%len(ops)](); err != nil {
			return err
		}
	}
	return nil
}

// benchTimed wraps op to append its duration to into when it succeeds.
func benchTimed(into *benchLatencies, op func() error) func() error {
	return func() error {
		start := time.Now()
		if err := op(); err != nil {
			return err
		}
		*into = append(*into, time.Since(start))
		return nil
	}
}

// benchReportPair reports p50 and p99 of both sides and their ratios; it returns the HTTP p50.
func benchReportPair(b *testing.B, httpLat, sqlLat benchLatencies) float64 {
	hp50, hp99 := httpLat.pct(0.50), httpLat.pct(0.99)
	sp50, sp99 := sqlLat.pct(0.50), sqlLat.pct(0.99)
	b.ReportMetric(hp50, "http-p50-µs")
	b.ReportMetric(hp99, "http-p99-µs")
	b.ReportMetric(sp50, "sql-p50-µs")
	b.ReportMetric(sp99, "sql-p99-µs")
	if sp50 > 0 && sp99 > 0 {
		b.ReportMetric(hp50/sp50, "p50-ratio")
		b.ReportMetric(hp99/sp99, "p99-ratio")
	}
	return hp50
}

func benchSearch(b *testing.B, s *benchStack) float64 {
	ctx := context.Background()
	s.warmSearch(b)
	httpLat := make(benchLatencies, 0, b.N)
	sqlLat := make(benchLatencies, 0, b.N)
	storeLat := make(benchLatencies, 0, b.N)
	svcLat := make(benchLatencies, 0, b.N)
	minLat := make(benchLatencies, 0, b.N)
	minimal := s.serveMinimal(b)
	for _, q := range s.questions {
		if err := s.searchMinimal(ctx, minimal, q); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	for i := range b.N {
		k := i % len(s.questions)
		err := benchRound(i,
			benchTimed(&httpLat, func() error { return s.searchHTTP(ctx, s.questions[k]) }),
			benchTimed(&sqlLat, func() error { return s.searchSQL(ctx, s.vectors[k]) }),
			benchTimed(&storeLat, func() error { return s.searchStore(ctx, s.searchQueries[k]) }),
			benchTimed(&svcLat, func() error { return s.searchService(ctx, s.questions[k]) }),
			benchTimed(&minLat, func() error { return s.searchMinimal(ctx, minimal, s.questions[k]) }))
		if err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	// Where the time goes: the hybrid statement alone, and the service around it without HTTP.
	b.ReportMetric(storeLat.pct(0.50), "hybrid-p50-µs")
	b.ReportMetric(svcLat.pct(0.50), "service-p50-µs")
	// The floor of any HTTP front: the bare query behind a minimal Echo route.
	if sp50 := sqlLat.pct(0.50); sp50 > 0 {
		b.ReportMetric(minLat.pct(0.50)/sp50, "minimal-p50-ratio")
	}
	return benchReportPair(b, httpLat, sqlLat)
}

func benchTurn(b *testing.B, s *benchStack) {
	ctx := context.Background()
	s.warmTurns(b)
	user := s.newChatter(b, s.url, "bench-user", b.N)
	bare := s.newSQLChatter(b, b.N)
	httpLat := make(benchLatencies, 0, b.N)
	sqlLat := make(benchLatencies, 0, b.N)
	b.ResetTimer()
	for i := range b.N {
		text := s.turnTexts[i%len(s.turnTexts)]
		conv, err := user.next(ctx)
		if err != nil {
			b.Fatal(err)
		}
		err = benchRound(i,
			benchTimed(&httpLat, func() error { return user.turn(ctx, conv, text) }),
			benchTimed(&sqlLat, func() error { return bare.turn(ctx, text) }))
		if err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	benchReportPair(b, httpLat, sqlLat)
	benchReportAnswered(b, user.replies)
}

// benchReportAnswered reports the share of turns the bot answered; the rest asked back or handed
// over, which take other paths.
func benchReportAnswered(b *testing.B, replies map[string]int) {
	total := 0
	for _, n := range replies {
		total += n
	}
	if total > 0 {
		b.ReportMetric(100*float64(replies[string(bot.DecisionAnswer)])/float64(total), "answered-%")
	}
}

func benchClients(b *testing.B, s *benchStack, clients int) {
	s.warmTurns(b)
	per := b.N/clients + 1
	users := make([]*benchChatter, clients)
	bares := make([]*benchSQLChatter, clients)
	for w := range clients {
		users[w] = s.newChatter(b, s.url, fmt.Sprintf("bench-user-%d", w), 2*per)
		bares[w] = s.newSQLChatter(b, 2*per)
	}
	httpTurn := func(ctx context.Context, w, i int) (time.Duration, error) {
		conv, err := users[w].next(ctx)
		if err != nil {
			return 0, err
		}
		start := time.Now()
		err = users[w].turn(ctx, conv, s.turnTexts[i%len(s.turnTexts)])
		return time.Since(start), err
	}
	sqlTurn := func(ctx context.Context, w, i int) (time.Duration, error) {
		start := time.Now()
		err := bares[w].turn(ctx, s.turnTexts[i%len(s.turnTexts)])
		return time.Since(start), err
	}
	type side struct {
		lat   benchLatencies
		wall  time.Duration
		errs  int
		first error
	}
	var httpSide, sqlSide side
	run := func(into *side, total int, op func(context.Context, int, int) (time.Duration, error)) {
		lat, wall, errs, first := benchLoad(clients, total, op)
		into.lat = append(into.lat, lat...)
		into.wall += wall
		into.errs += errs
		if into.first == nil {
			into.first = first
		}
	}
	half := b.N / 2
	b.ResetTimer()
	run(&sqlSide, half, sqlTurn)
	run(&httpSide, half, httpTurn)
	run(&sqlSide, b.N-half, sqlTurn)
	run(&httpSide, b.N-half, httpTurn)
	b.StopTimer()

	for name, sd := range map[string]side{"http": httpSide, "sql": sqlSide} {
		if sd.errs > 0 {
			b.Logf("%s: %d of %d turns failed, the first with: %v", name, sd.errs, b.N, sd.first)
		}
	}
	httpRate := float64(len(httpSide.lat)) / httpSide.wall.Seconds()
	sqlRate := float64(len(sqlSide.lat)) / sqlSide.wall.Seconds()
	b.ReportMetric(httpRate, "http-turns/s")
	b.ReportMetric(sqlRate, "sql-turns/s")
	b.ReportMetric(httpRate/sqlRate, "rate-ratio")
	b.ReportMetric(float64(httpSide.errs), "http-errors")
	b.ReportMetric(float64(sqlSide.errs), "sql-errors")
	benchReportPair(b, httpSide.lat, sqlSide.lat)
	replies := map[string]int{}
	for _, u := range users {
		for d, n := range u.replies {
			replies[d] += n
		}
	}
	benchReportAnswered(b, replies)
}

func benchStream(b *testing.B, s *benchStack) {
	ctx := context.Background()
	s.warmTurns(b)
	model := newBenchFakeLLM(b)
	srv := s.serve(b, bot.NewLLMAnswerer(model.client(), nil))
	warm := min(20, len(s.turnTexts))
	user := s.newChatter(b, srv.URL, "bench-stream", b.N+warm)
	turn := func(i int) (time.Duration, bool) {
		conv, err := user.next(ctx)
		if err != nil {
			b.Fatal(err)
		}
		d, viaModel, err := user.streamTurn(ctx, model, conv, s.turnTexts[i%len(s.turnTexts)])
		if err != nil {
			b.Fatal(err)
		}
		return d, viaModel
	}
	for i := range warm {
		turn(i)
	}
	first := make(benchLatencies, 0, b.N)
	b.ResetTimer()
	for i := range b.N {
		if d, viaModel := turn(i); viaModel {
			first = append(first, d)
		}
	}
	b.StopTimer()
	if len(first) == 0 {
		b.Fatal("no turn was answered by the model")
	}
	b.ReportMetric(first.pct(0.50), "first-delta-p50-µs")
	b.ReportMetric(first.pct(0.99), "first-delta-p99-µs")
	b.ReportMetric(100*float64(len(first))/float64(b.N), "via-model-%")
}
