package webhooks_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/faqbot/faqbot/handoff/webhooks"
)

func TestBackoffDoublesUpToTheCap(t *testing.T) {
	b := webhooks.Backoff{First: 30 * time.Second, Max: time.Hour, Window: 24 * time.Hour, Jitter: func() float64 { return 0 }}
	want := []time.Duration{30 * time.Second, time.Minute, 2 * time.Minute, 4 * time.Minute, 8 * time.Minute,
		16 * time.Minute, 32 * time.Minute, time.Hour, time.Hour}
	for i, w := range want {
		assert.Equal(t, w, b.Delay(i+1), "after failure %d", i+1)
	}
	assert.Equal(t, time.Hour, b.Delay(1000), "no overflow on a long streak")
}

func TestBackoffJitterTakesUpToHalf(t *testing.T) {
	for _, j := range []float64{0, 0.25, 0.5, 0.999999} {
		b := webhooks.Backoff{First: time.Minute, Max: time.Hour, Jitter: func() float64 { return j }}
		d := b.Delay(3) // 4 min before jitter
		assert.GreaterOrEqual(t, d, 2*time.Minute, "jitter %v", j)
		assert.LessOrEqual(t, d, 4*time.Minute, "jitter %v", j)
	}
	b := webhooks.DefaultBackoff() // real randomness: still inside the bounds
	for range 100 {
		d := b.Delay(1)
		assert.True(t, d > 15*time.Second-time.Nanosecond && d <= 30*time.Second, "delay %v", d)
	}
}

func TestBackoffEndsAtTheDeadline(t *testing.T) {
	b := webhooks.Backoff{First: 30 * time.Second, Max: time.Hour, Jitter: func() float64 { return 0 }}
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	deadline := now.Add(24 * time.Hour)

	next, dead := b.After(1, now, deadline)
	assert.False(t, dead)
	assert.Equal(t, now.Add(30*time.Second), next)

	next, dead = b.After(20, deadline.Add(-10*time.Minute), deadline)
	assert.False(t, dead)
	assert.Equal(t, deadline, next, "the last attempt falls on the deadline, not after it")

	_, dead = b.After(21, deadline, deadline)
	assert.True(t, dead, "a failure at the deadline is the end")
}
