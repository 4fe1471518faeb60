package api_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/faqbot/faqbot/api"
	"github.com/faqbot/faqbot/bot"
	botpg "github.com/faqbot/faqbot/bot/postgres"
	handoffpg "github.com/faqbot/faqbot/handoff/postgres"
	"github.com/faqbot/faqbot/internal/auth"
	authmemory "github.com/faqbot/faqbot/internal/auth/memory"
	"github.com/faqbot/faqbot/internal/postgres"
	"github.com/faqbot/faqbot/internal/postgres/pgtest"
)

// benchReplica is one server of the benchmark: its own pool, engine and listener, like a
// replica in its own process.
func benchReplica(b *testing.B, url string) *httptest.Server {
	b.Helper()
	ctx := context.Background()
	pool, err := postgres.Connect(ctx, url)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(pool.Close)
	l := postgres.NewListener(url, nil, api.NotifyChannels...)
	l.Start(ctx)
	b.Cleanup(l.Close)
	engine := bot.NewEngine(bot.DefaultConfig(), bot.Deps{Store: botpg.New(pool), Tickets: handoffpg.New(pool),
		Retriever: demoKnowledge(b)})
	srv := api.New(api.Config{RateLimit: -1, UserSecret: userSecret, Heartbeat: time.Hour}, api.Deps{
		Logger: slog.New(slog.DiscardHandler), Knowledge: demoKnowledge(b), Bot: engine, Notifier: l,
		Auth: auth.NewService(authmemory.New(), adminToken),
	})
	hs := httptest.NewServer(srv)
	b.Cleanup(func() { srv.CloseStreams(); hs.Close() })
	return hs
}

func benchPost(b *testing.B, url, token, body string) map[string]any {
	b.Helper()
	req, err := http.NewRequest("POST", url, strings.NewReader(body))
	if err != nil {
		b.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	defer res.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil || res.StatusCode >= 300 {
		b.Fatalf("POST %s: %d %v %v", url, res.StatusCode, out, err)
	}
	return out
}

// BenchmarkTicketReachesAnotherReplica opens a ticket through replica A's API (a user's
// handoff) and times until ticket.created is on an agent's stream of replica B: the path runs
// through PostgreSQL (the trigger's NOTIFY, B's listener, B's read of the event feed). The
// time starts when the handoff request is sent, so it includes A's own work on it. Reported:
// p50 and p99 in milliseconds, and the p50 of the handoff request alone.
func BenchmarkTicketReachesAnotherReplica(b *testing.B) {
	url := pgtest.URL(b)
	a, other := benchReplica(b, url), benchReplica(b, url)
	ctx, cancel := context.WithCancel(context.Background())
	b.Cleanup(cancel)
	req, err := http.NewRequestWithContext(ctx, "GET", other.URL+"/v1/agent/events", nil)
	if err != nil {
		b.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+adminToken)
	res, err := http.DefaultClient.Do(req)
	if err != nil || res.StatusCode != http.StatusOK {
		b.Fatalf("agent stream: %v %v", res, err)
	}
	b.Cleanup(func() { res.Body.Close() })

	type arrival struct {
		number string
		at     time.Time
	}
	arrivals := make(chan arrival, 16)
	ready := make(chan struct{})
	go func() {
		r := newSSEReader(res.Body)
		for {
			ev, err := r.next()
			if err != nil {
				return
			}
			switch ev.name {
			case "ready":
				close(ready)
			case "ticket.created":
				var d struct{ Number string }
				_ = json.Unmarshal([]byte(ev.data), &d)
				arrivals <- arrival{d.Number, time.Now()}
			}
		}
	}()
	<-ready

	token := userToken(b, "bench user")
	latencies, requests := make([]time.Duration, 0, b.N), make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		conv := benchPost(b, a.URL+"/v1/conversations", token, `{}`)
		b.StartTimer()
		start := time.Now()
		ticket := benchPost(b, a.URL+"/v1/conversations/"+conv["id"].(string)+"/handoff", token, `{}`)
		requests = append(requests, time.Since(start))
		for got := range arrivals {
			if got.number == ticket["number"] {
				latencies = append(latencies, got.at.Sub(start))
				break
			}
		}
	}
	b.StopTimer()
	slices.Sort(latencies)
	slices.Sort(requests)
	ms := func(d []time.Duration, q float64) float64 {
		return float64(d[int(q*float64(len(d)-1))].Microseconds()) / 1000
	}
	b.ReportMetric(ms(latencies, 0.50), "p50-ms")
	b.ReportMetric(ms(latencies, 0.99), "p99-ms")
	// The handoff request alone, for how much of the above is A's own work.
	b.ReportMetric(ms(requests, 0.50), "handoff-p50-ms")
}
