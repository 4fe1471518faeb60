package api_test

import (
	"context"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// benchLatencies are the durations of one kind of operation.
type benchLatencies []time.Duration

// pct is the p-th quantile (nearest rank) in microseconds.
func (l benchLatencies) pct(p float64) float64 {
	if len(l) == 0 {
		return 0
	}
	s := slices.Clone(l)
	slices.Sort(s)
	i := min(len(s)-1, max(0, int(p*float64(len(s))+0.5)-1))
	return float64(s[i].Nanoseconds()) / 1e3
}

// benchLoad runs total operations from clients goroutines, each op told its client and its
// index, and returns every latency, the wall time and the errors (the first is kept).
func benchLoad(clients, total int, op func(ctx context.Context, client, i int) (time.Duration, error)) (benchLatencies, time.Duration, int, error) {
	ctx := context.Background()
	var (
		next    atomic.Int64
		mu      sync.Mutex
		all     benchLatencies
		errs    int
		first   error
		wg      sync.WaitGroup
		started = time.Now()
	)
	for w := range clients {
		wg.Go(func() {
			var mine benchLatencies
			for {
				i := int(next.Add(1) - 1)
				if i >= total {
					break
				}
				took, err := op(ctx, w, i)
				if err != nil {
					mu.Lock()
					errs++
					if first == nil {
						first = err
					}
					mu.Unlock()
					continue
				}
				mine = append(mine, took)
			}
			mu.Lock()
			all = append(all, mine...)
			mu.Unlock()
		})
	}
	wg.Wait()
	return all, time.Since(started), errs, first
}

// TestBenchPercentile pins the quantile the benchmarks report: nearest rank, in µs.
func TestBenchPercentile(t *testing.T) {
	ms := func(vs ...int) benchLatencies {
		var l benchLatencies
		for _, n := range vs {
			l = append(l, time.Duration(n)*time.Millisecond)
		}
		return l
	}
	hundred := make([]int, 100)
	for i := range hundred {
		hundred[i] = 100 - i // unsorted on purpose
	}
	tests := []struct {
		name string
		lat  benchLatencies
		p    float64
		want float64
	}{
		{"empty", nil, 0.5, 0},
		{"one", ms(7), 0.99, 7000},
		{"median of odd", ms(3, 1, 2), 0.5, 2000},
		{"median of even takes the lower", ms(4, 1, 3, 2), 0.5, 2000},
		{"p99 of 100", ms(hundred...), 0.99, 99000},
		{"p50 of 100", ms(hundred...), 0.50, 50000},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, tc.lat.pct(tc.p))
		})
	}
}
