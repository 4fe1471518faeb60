package webhooks

import (
	"math/rand/v2"
	"time"
)

// Backoff is the retry schedule of a failing delivery: exponential, capped, with jitter, inside
// a window after which the delivery is dead.
type Backoff struct {
	First  time.Duration // the wait after the first failure
	Max    time.Duration // the longest wait
	Window time.Duration // how long a delivery is retried before it is dead
	// Jitter returns a number in [0, 1); nil uses math/rand. Tests pin it.
	Jitter func() float64
}

// Defaults of Backoff: about 30 attempts over a day, the first ones close together (a
// receiver that blinked), then hourly (a receiver that is down).
const (
	DefaultFirstRetry = 30 * time.Second
	DefaultMaxRetry   = time.Hour
	DefaultWindow     = 24 * time.Hour
)

// DefaultBackoff returns the defaults.
func DefaultBackoff() Backoff {
	return Backoff{First: DefaultFirstRetry, Max: DefaultMaxRetry, Window: DefaultWindow}
}

func (b Backoff) withDefaults() Backoff {
	if b.First <= 0 {
		b.First = DefaultFirstRetry
	}
	if b.Max < b.First {
		b.Max = max(DefaultMaxRetry, b.First)
	}
	if b.Window <= 0 {
		b.Window = DefaultWindow
	}
	if b.Jitter == nil {
		b.Jitter = rand.Float64
	}
	return b
}

// Delay is the wait after the n-th failed attempt (n >= 1): First·2^(n-1), at most Max, less
// up to half of it at random, so that the deliveries that failed together during a
// receiver's outage do not all come back at the same instant.
func (b Backoff) Delay(n int) time.Duration {
	b = b.withDefaults()
	d := b.First
	for i := 1; i < n && d < b.Max; i++ {
		d *= 2
	}
	d = min(d, b.Max)
	j := min(max(b.Jitter(), 0), 1)
	return d - time.Duration(j*float64(d/2))
}

// After decides what follows the n-th failed attempt at now, in a window that closes at
// deadline: the next attempt's time, or dead. The last attempt falls on the deadline itself,
// so a delivery is tried for the whole window.
func (b Backoff) After(n int, now, deadline time.Time) (next time.Time, dead bool) {
	if !now.Before(deadline) {
		return time.Time{}, true
	}
	next = now.Add(b.Delay(n))
	if next.After(deadline) {
		next = deadline
	}
	return next, false
}
