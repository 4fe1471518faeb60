package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/faqbot/faqbot/handoff"
	"github.com/faqbot/faqbot/handoff/postgres"
	"github.com/faqbot/faqbot/handoff/storetest"
	internalpg "github.com/faqbot/faqbot/internal/postgres"
	"github.com/faqbot/faqbot/internal/postgres/pgtest"
)

// TestClaimStorm is issue 4's claim test: 20 agents claiming concurrently over 1,000 tickets,
// each on a connection of its own, then one of them going silent.
func TestClaimStorm(t *testing.T) {
	pool := poolOf(t, pgtest.URL(t), 21)
	h := storetest.Harness{Store: postgres.New(pool), NewConversation: conversations(pool)}
	storetest.ClaimStorm(t, h, 1000, 20)

	// Beneath the store's answers, the rows: each ticket one claim event per claim.
	var tickets, twice, events int
	err := pool.QueryRow(context.Background(), `SELECT count(*),
			count(*) FILTER (WHERE n = 2), coalesce(sum(n), 0)
		FROM (SELECT count(e.id) AS n FROM tickets t
			LEFT JOIN ticket_events e ON e.ticket_id = t.id AND e.kind = 'claimed' GROUP BY t.id) c`).
		Scan(&tickets, &twice, &events)
	require.NoError(t, err)
	assert.Equal(t, 1000, tickets)
	assert.Positive(t, twice, "the silent agent's tickets were claimed twice")
	assert.Equal(t, 1000+twice, events, "one event per claim")
}

// poolOf is a pool of at most conns connections on the database at dbURL: the default pool
// has max(4, CPUs), fewer than the claimers.
func poolOf(tb testing.TB, dbURL string, conns int) *pgxpool.Pool {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	u, err := url.Parse(dbURL)
	require.NoError(tb, err)
	q := u.Query()
	q.Set("pool_max_conns", strconv.Itoa(conns))
	u.RawQuery = q.Encode()
	pool, err := internalpg.Connect(ctx, u.String())
	require.NoError(tb, err)
	tb.Cleanup(pool.Close)
	return pool
}

// seed writes queued tickets spread over queues with mixed priorities and due times, and
// closed ones as a production table holds many times more, in two statements.
func seed(tb testing.TB, pool *pgxpool.Pool, queued, closed int, queues []string) {
	tb.Helper()
	_, err := pool.Exec(context.Background(), `WITH c AS (
			INSERT INTO conversations (owner_id, state, created_at, updated_at)
			SELECT 'u' || g, 'bot', now(), now() FROM generate_series(1, $1::int + $2::int) g RETURNING id),
		n AS (SELECT id, row_number() OVER () AS n FROM c)
		INSERT INTO tickets (number, conversation_id, owner_id, status, priority, queue, created_at, due_at,
			updated_at, resolved_at, closed_at, first_response_at)
		SELECT 'T' || n, id, 'u', CASE WHEN n <= $1::int THEN 'queued' ELSE 'closed' END, 1 + n % 3,
			($3::text[])[1 + n % cardinality($3::text[])], now(), now() + (n % 600) * interval '1 second', now(),
			CASE WHEN n > $1 THEN now() END, CASE WHEN n > $1 THEN now() END, CASE WHEN n > $1 THEN now() END
		FROM n`, queued, closed, queues)
	require.NoError(tb, err)
	_, err = pool.Exec(context.Background(), "ANALYZE tickets")
	require.NoError(tb, err)
}

var benchQueues = []string{"account", "payment", "content", "live", "ads", "tech", "general", "senior"}

// BenchmarkClaim measures claims with 20 concurrent claimers (docs/benchmarks.md, "Ticket
// claims"): b.N queued tickets in 8 queues beside 20,000 closed ones; each claimer claims
// until none waits. "any" claimers ask for every queue, "one" for a queue of their own
// (claimers share the 8 queues), "two" for two queues; conns is the pool's size.
func BenchmarkClaim(b *testing.B) {
	dbURL := pgtest.URL(b) // one database; each run starts from empty tables
	for _, shape := range []string{"any", "one", "two"} {
		for _, conns := range []int{4, 20} {
			b.Run(fmt.Sprintf("queues=%s/conns=%d", shape, conns), func(b *testing.B) {
				benchClaim(b, dbURL, shape, conns)
			})
		}
	}
}

func benchClaim(b *testing.B, dbURL, shape string, conns int) {
	const claimers = 20
	pool := poolOf(b, dbURL, conns)
	_, err := pool.Exec(context.Background(), "TRUNCATE tickets, conversations CASCADE")
	require.NoError(b, err)
	seed(b, pool, b.N, 20000, benchQueues)
	store := postgres.New(pool)
	ctx := context.Background()
	now := time.Now()
	var claimed atomic.Int64
	var wg sync.WaitGroup
	b.ResetTimer()
	start := time.Now()
	for c := range claimers {
		var mine []string
		switch shape {
		case "one":
			mine = benchQueues[c%len(benchQueues) : c%len(benchQueues)+1]
		case "two":
			mine = []string{benchQueues[c%len(benchQueues)], benchQueues[(c+1)%len(benchQueues)]}
		}
		wg.Go(func() {
			for {
				_, err := store.Claim(ctx, handoff.ClaimRequest{Queues: mine, Agent: "agent-" + strconv.Itoa(c), Now: now})
				if errors.Is(err, handoff.ErrNoneWaiting) {
					if mine == nil {
						return
					}
					mine = nil // its queues are done; help with the rest
					continue
				}
				if err != nil {
					b.Error(err)
					return
				}
				claimed.Add(1)
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	if int(claimed.Load()) != b.N {
		b.Fatalf("claimed %d of %d tickets", claimed.Load(), b.N)
	}
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "tickets/s")
}
