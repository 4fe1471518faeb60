package llm

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"
)

// attemptFunc performs one attempt against the server within ctx, whose deadline idle controls.
type attemptFunc func(ctx context.Context, idle *idleTimer) error

// do runs attempt under the breaker, the per-attempt deadline and the retry policy.
// mayRetry, when set, vetoes further attempts (a stream that already delivered text).
func (c *Client) do(ctx context.Context, op string, attempt attemptFunc, mayRetry func() bool) error {
	var last error
	for try := 0; ; try++ {
		probe, err := c.breaker.allow()
		if err != nil {
			if last != nil {
				return fmt.Errorf("llm: %s: %w (after: %w)", op, err, last)
			}
			return fmt.Errorf("llm: %s: %w", op, err)
		}

		actx, idle := attemptContext(ctx, c.cfg.Timeout)
		actx, hint := withHint(actx)
		err = attempt(actx, idle)
		idle.stop()
		if err == nil {
			c.breaker.record(healthy, probe)
			return nil
		}
		v := classify(ctx, actx, err)
		c.breaker.record(v.health, probe)
		if !v.retry {
			return wrapOp(op, v.err)
		}
		if mayRetry != nil && !mayRetry() {
			return fmt.Errorf("llm: %s: %w: interrupted after output began: %w", op, ErrUnavailable, v.err)
		}
		last = v.err
		if try >= c.cfg.MaxRetries {
			return fmt.Errorf("llm: %s: %w after %d attempts: %w", op, ErrUnavailable, try+1, last)
		}

		wait := c.backoff(try, hint.retryAfter)
		if dl, ok := ctx.Deadline(); ok && time.Until(dl) < wait {
			// Sleeping past the caller's deadline only delays its fallback.
			return fmt.Errorf("llm: %s: %w: no time left to retry: %w", op, ErrUnavailable, last)
		}
		c.logger.Warn("llm call failed, retrying", "op", op, "attempt", try+1, "wait", wait, "err", last)
		if err := sleep(ctx, wait); err != nil {
			return wrapOp(op, classify(ctx, nil, err).err)
		}
	}
}

func wrapOp(op string, err error) error { return fmt.Errorf("llm: %s: %w", op, err) }

// backoff is exponential with full jitter, so that many replicas hit by the same outage do not
// retry in step; a server's Retry-After wins but is capped, because a user is waiting.
func (c *Client) backoff(try int, hinted time.Duration) time.Duration {
	if hinted > 0 {
		return min(hinted, c.cfg.BackoffMax)
	}
	ceiling := c.cfg.BackoffMax
	if try < 30 {
		ceiling = min(ceiling, c.cfg.BackoffBase<<try)
	}
	return rand.N(ceiling + 1)
}

func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// idleTimer is an attempt's deadline: Config.Timeout of silence from the server. Streams
// restart it after each delta and pause it while the caller handles one, so a long answer
// that keeps coming, or a slow reader, is not mistaken for a dead server.
type idleTimer struct {
	timeout time.Duration
	timer   *time.Timer
	cancel  context.CancelCauseFunc
}

// attemptContext derives the attempt's context; its deadline is marked with errAttemptTimeout
// so it is told apart from the caller's own.
func attemptContext(parent context.Context, timeout time.Duration) (context.Context, *idleTimer) {
	ctx, cancel := context.WithCancelCause(parent)
	return ctx, &idleTimer{
		timeout: timeout,
		timer:   time.AfterFunc(timeout, func() { cancel(errAttemptTimeout) }),
		cancel:  cancel,
	}
}

func (t *idleTimer) pause()  { t.timer.Stop() }
func (t *idleTimer) resume() { t.timer.Reset(t.timeout) }

func (t *idleTimer) stop() {
	t.timer.Stop()
	t.cancel(nil)
}
