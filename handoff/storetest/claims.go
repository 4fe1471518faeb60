package storetest

import (
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/faqbot/faqbot/handoff"
)

// ClaimStorm is issue 4's test of claims: `claimers` agents claim concurrently over `tickets`
// queued tickets of three queues until none waits. Each ticket goes to exactly one agent and
// none is left queued. One of the agents then goes silent: its leases lapse, ReleaseLapsed
// returns exactly its tickets to their queues, and the others claim them again, each once.
// h's store should hold nothing else (a fresh one); it runs outside Run for its size.
func ClaimStorm(t *testing.T, h Harness, tickets, claimers int) {
	ctx := ctxFor(t)
	queues := []string{newQueue(), newQueue(), newQueue()}
	for i := range tickets {
		due := base.Add(time.Duration(i%97) * time.Second)
		ticketIn(t, h, queues[i%3], handoff.Priority(1+i%3), due, handoff.StatusQueued)
	}
	const dead = 0
	lease := func(c int) time.Duration {
		if c == dead {
			return time.Minute
		}
		return time.Hour
	}
	// claimAll claims until none waits. Claimers ask for every queue, for one, or for two,
	// so the three shapes of the claim meet on the same rows; once their own queues are
	// empty they ask for every queue, so that nothing is left behind.
	claimAll := func(c int, now time.Time, got *[]handoff.Ticket) {
		var mine []string
		switch c % 3 {
		case 1:
			mine = queues[:1]
		case 2:
			mine = queues[1:]
		}
		for {
			tk, err := h.Store.Claim(ctx, handoff.ClaimRequest{Queues: mine, Agent: label(c), Now: now, Lease: lease(c)})
			if err != nil {
				assert.ErrorIs(t, err, handoff.ErrNoneWaiting, label(c))
				if mine == nil {
					return
				}
				mine = nil
				continue
			}
			assert.Equal(t, label(c), tk.AssignedTo)
			*got = append(*got, tk)
		}
	}
	claimed := make([][]handoff.Ticket, claimers)
	// The silent agent takes a few first, so that it surely holds some.
	for range 5 {
		tk, err := h.Store.Claim(ctx, handoff.ClaimRequest{Agent: label(dead), Now: base, Lease: lease(dead)})
		require.NoError(t, err)
		claimed[dead] = append(claimed[dead], tk)
	}
	var wg sync.WaitGroup
	for c := range claimers {
		wg.Go(func() { claimAll(c, base, &claimed[c]) })
	}
	wg.Wait()
	assertOnce(t, slices.Concat(claimed...), tickets)
	assertNoneQueued(t, h, queues)

	released, err := h.Store.ReleaseLapsed(ctx, base.Add(2*time.Minute))
	require.NoError(t, err)
	assert.ElementsMatch(t, numbers(claimed[dead]), numbers(released), "exactly the silent agent's tickets come back")
	for _, tk := range released {
		assert.Equal(t, handoff.StatusQueued, tk.Status)
	}

	again := make([][]handoff.Ticket, claimers)
	for c := 1; c < claimers; c++ {
		wg.Go(func() { claimAll(c, base.Add(2*time.Minute), &again[c]) })
	}
	wg.Wait()
	reclaimed := slices.Concat(again...)
	assert.ElementsMatch(t, numbers(released), numbers(reclaimed), "claimed again, each once")
	for _, tk := range reclaimed {
		assert.NotEqual(t, label(dead), tk.AssignedTo)
	}
	assertNoneQueued(t, h, queues)
}

// assertOnce checks that n tickets were claimed and none of them twice.
func assertOnce(t *testing.T, claimed []handoff.Ticket, n int) {
	t.Helper()
	all := numbers(claimed)
	assert.Len(t, all, n, "every ticket claimed")
	slices.Sort(all)
	assert.Len(t, slices.Compact(all), n, "none claimed twice")
}

func assertNoneQueued(t *testing.T, h Harness, queues []string) {
	t.Helper()
	left, err := h.Store.List(ctxFor(t), handoff.ListQuery{Queues: queues, Statuses: []handoff.Status{handoff.StatusQueued}, Limit: 10})
	require.NoError(t, err)
	assert.Empty(t, left, "none left queued")
}
