package llm

import (
	"fmt"
	"log/slog"
	"sync"
	"time"
)

type breakerState int

const (
	closed breakerState = iota
	open
	halfOpen
)

func (s breakerState) String() string {
	switch s {
	case open:
		return "open"
	case halfOpen:
		return "half-open"
	default:
		return "closed"
	}
}

// breaker is a consecutive-failure circuit breaker shared by chat and embeddings: when the
// server is down, callers fail at once and fall back instead of each waiting out timeouts.
// After the cooldown one probe is let through; its outcome closes or reopens the circuit.
type breaker struct {
	threshold int // <= 0 disables the breaker
	cooldown  time.Duration
	now       func() time.Time
	logger    *slog.Logger

	mu       sync.Mutex
	state    breakerState
	failures int
	openedAt time.Time
	probing  bool // a half-open probe is in flight
}

func newBreaker(threshold int, cooldown time.Duration, logger *slog.Logger) *breaker {
	return &breaker{threshold: threshold, cooldown: cooldown, now: time.Now, logger: logger}
}

// allow reports whether an attempt may go to the server and whether it is the half-open
// probe; every allowed attempt must be followed by exactly one record with that flag, so that
// a slow attempt started before the circuit opened cannot stand in for the probe.
func (b *breaker) allow() (probe bool, err error) {
	if b.threshold <= 0 {
		return false, nil
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	switch b.state {
	case closed:
		return false, nil
	case open:
		remaining := b.cooldown - b.now().Sub(b.openedAt)
		if remaining > 0 {
			return false, fmt.Errorf("%w: circuit open for another %s", ErrUnavailable, remaining.Round(time.Millisecond))
		}
		b.setState(halfOpen)
	}
	if b.probing {
		return false, fmt.Errorf("%w: circuit half-open, a probe is in flight", ErrUnavailable)
	}
	b.probing = true
	return true, nil
}

func (b *breaker) record(o outcome, probe bool) {
	if b.threshold <= 0 {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	wasProbe := probe && b.state == halfOpen
	if probe {
		b.probing = false
	}
	switch o {
	case healthy:
		b.failures = 0
		if b.state != closed {
			b.setState(closed)
		}
	case unhealthy:
		b.failures++
		// A late failure from before the circuit opened must not restart the cooldown.
		if (b.state == closed && b.failures >= b.threshold) || wasProbe {
			b.openedAt = b.now()
			b.setState(open)
		}
	}
}

func (b *breaker) setState(s breakerState) {
	if b.state == s {
		return
	}
	b.logger.Warn("llm circuit breaker", "from", b.state.String(), "to", s.String(), "consecutive_failures", b.failures)
	b.state = s
}
