package llm

import (
	"io"
	"log/slog"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRetryAfter(t *testing.T) {
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name   string
		header map[string]string
		want   time.Duration
	}{
		{name: "none", want: 0},
		{name: "seconds", header: map[string]string{"Retry-After": "3"}, want: 3 * time.Second},
		{name: "fractional seconds", header: map[string]string{"Retry-After": "0.5"}, want: 500 * time.Millisecond},
		{name: "milliseconds win", header: map[string]string{"Retry-After": "3", "retry-after-ms": "250"}, want: 250 * time.Millisecond},
		{name: "HTTP date", header: map[string]string{"Retry-After": now.Add(7 * time.Second).Format(http.TimeFormat)}, want: 7 * time.Second},
		{name: "date in the past", header: map[string]string{"Retry-After": now.Add(-time.Minute).Format(http.TimeFormat)}, want: 0},
		{name: "negative", header: map[string]string{"Retry-After": "-1"}, want: 0},
		{name: "not a number", header: map[string]string{"Retry-After": "NaN", "retry-after-ms": "Inf"}, want: 0},
		{name: "garbage", header: map[string]string{"Retry-After": "soon", "retry-after-ms": "x"}, want: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{}
			for k, v := range tt.header {
				h.Set(k, v)
			}
			assert.Equal(t, tt.want, retryAfter(h, now))
		})
	}
}

func TestBackoffIsJitteredAndCapped(t *testing.T) {
	c := New(Config{BackoffBase: 10 * time.Millisecond, BackoffMax: 50 * time.Millisecond}, nil)
	seen := map[time.Duration]bool{}
	for try := range 8 {
		ceiling := min(50*time.Millisecond, 10*time.Millisecond<<try)
		for range 50 {
			d := c.backoff(try, 0)
			require.GreaterOrEqual(t, d, time.Duration(0))
			require.LessOrEqual(t, d, ceiling, "try %d", try)
			seen[d] = true
		}
	}
	assert.Greater(t, len(seen), 50, "full jitter spreads the waits")
	assert.Equal(t, 20*time.Millisecond, c.backoff(0, 20*time.Millisecond), "Retry-After wins")
	assert.Equal(t, 50*time.Millisecond, c.backoff(0, time.Hour), "but is capped")
}

type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func TestBreakerStates(t *testing.T) {
	clock := &fakeClock{t: time.Unix(0, 0)}
	b := newBreaker(2, time.Minute, slog.New(slog.NewTextHandler(io.Discard, nil)))
	b.now = clock.now
	attempt := func(o outcome) {
		t.Helper()
		probe, err := b.allow()
		require.NoError(t, err)
		b.record(o, probe)
	}

	attempt(unhealthy)
	attempt(healthy)
	attempt(unhealthy)
	assert.Equal(t, closed, b.state, "failures must be consecutive")
	attempt(unhealthy)
	assert.Equal(t, open, b.state)

	_, err := b.allow()
	assert.ErrorIs(t, err, ErrUnavailable)

	clock.advance(time.Minute)
	probe, err := b.allow()
	require.NoError(t, err)
	assert.True(t, probe)
	_, err = b.allow()
	assert.ErrorIs(t, err, ErrUnavailable, "one probe at a time")

	b.record(unknown, probe)
	assert.Equal(t, halfOpen, b.state, "a probe the caller abandoned decides nothing")
	probe, err = b.allow()
	require.NoError(t, err)
	b.record(unhealthy, probe)
	assert.Equal(t, open, b.state)

	clock.advance(30 * time.Second)
	_, err = b.allow()
	assert.ErrorIs(t, err, ErrUnavailable, "the failed probe restarted the cooldown")

	clock.advance(30 * time.Second)
	attempt(healthy)
	assert.Equal(t, closed, b.state)
}

func TestBreakerHalfOpenAdmitsOneProbeUnderConcurrency(t *testing.T) {
	clock := &fakeClock{t: time.Unix(0, 0)}
	b := newBreaker(1, time.Second, slog.New(slog.NewTextHandler(io.Discard, nil)))
	b.now = clock.now
	b.record(unhealthy, false)
	clock.advance(time.Second)

	var wg sync.WaitGroup
	var mu sync.Mutex
	admitted := 0
	for range 16 {
		wg.Go(func() {
			if _, err := b.allow(); err == nil {
				mu.Lock()
				admitted++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	assert.Equal(t, 1, admitted)
}

func TestClassifyNetworkErrorsAreRetried(t *testing.T) {
	ctx := t.Context()
	v := classify(ctx, ctx, io.ErrUnexpectedEOF)
	assert.True(t, v.retry)
	assert.Equal(t, unhealthy, v.health)
}

// FuzzRetryAfter: whatever a server puts in the headers, the wait is never negative and never
// beyond what the parser admits (1e6 s for seconds, 1e9 ms for milliseconds, or a future date).
func FuzzRetryAfter(f *testing.F) {
	for _, seed := range [][2]string{
		{"3", ""}, {"0.5", ""}, {"", "250"}, {"Sat, 01 Mar 2025 12:00:07 GMT", ""},
		{"-1", "-5"}, {"NaN", "Inf"}, {"1e309", "1e400"}, {"soon", ""},
	} {
		f.Add(seed[0], seed[1])
	}
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, header, ms string) {
		h := http.Header{}
		h.Set("Retry-After", header)
		h.Set("retry-after-ms", ms)
		got := retryAfter(h, now)
		if got < 0 {
			t.Fatalf("negative wait %v for %q / %q", got, header, ms)
		}
		if got > 1e6*time.Second {
			if d, err := http.ParseTime(header); err != nil || d.Sub(now) != got {
				t.Fatalf("unbounded wait %v for %q / %q", got, header, ms)
			}
		}
	})
}
