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

// The agents' workflow: lists, claims, replies, transfers and the event feed. Every test
// works in queues of its own (newQueue), so it sees nothing of the others in a shared store.

func newQueue() string { return "q-" + handoff.NewNumber() }

// ticketIn inserts a ticket of queue q with status st (an assigned one held by agent-0).
func ticketIn(t *testing.T, h Harness, q string, p handoff.Priority, due time.Time, st handoff.Status) handoff.Ticket {
	t.Helper()
	tk := queued(h.NewConversation(t, "u-wf"), q, p, due)
	tk.Status = st
	if st == handoff.StatusAssigned {
		tk.AssignedTo = "agent-0"
	}
	return insert(t, h.Store, tk)
}

func numbers(ts []handoff.Ticket) []string {
	out := make([]string, len(ts))
	for i, tk := range ts {
		out[i] = tk.Number
	}
	return out
}

// lastEvent returns the ticket's newest event and how many it has.
func lastEvent(t *testing.T, h Harness, number string) (handoff.Event, int) {
	t.Helper()
	events, err := h.Store.Events(ctxFor(t), number)
	require.NoError(t, err)
	require.NotEmpty(t, events)
	return events[len(events)-1], len(events)
}

// assertUnchanged checks that a refused call changed neither the ticket nor its history.
func assertUnchanged(t *testing.T, h Harness, want handoff.Ticket, events int, msg string) {
	t.Helper()
	got, err := h.Store.Ticket(ctxFor(t), want.Number)
	require.NoError(t, err)
	assertSameTicket(t, want, got, msg)
	_, n := lastEvent(t, h, want.Number)
	assert.Equal(t, events, n, "%s: no event written", msg)
}

func testList(t *testing.T, h Harness) {
	ctx := ctxFor(t)
	qa, qb := newQueue(), newQueue()
	a1 := ticketIn(t, h, qa, handoff.P2, base.Add(10*time.Minute), handoff.StatusQueued)
	a2 := ticketIn(t, h, qa, handoff.P1, base.Add(time.Hour), handoff.StatusAssigned)
	a3 := ticketIn(t, h, qa, handoff.P2, base.Add(5*time.Minute), handoff.StatusQueued)
	a4 := ticketIn(t, h, qa, handoff.P2, base.Add(5*time.Minute), handoff.StatusQueued) // a3's tie: the id decides
	a5 := ticketIn(t, h, qa, handoff.P3, base, handoff.StatusQueued)
	done := ticketIn(t, h, qa, handoff.P1, base, handoff.StatusResolved)
	b1 := ticketIn(t, h, qb, handoff.P1, base.Add(2*time.Hour), handoff.StatusQueued)
	b2 := ticketIn(t, h, qb, handoff.P3, base.Add(-time.Hour), handoff.StatusClosed)

	list := func(q handoff.ListQuery) []handoff.Ticket {
		t.Helper()
		got, err := h.Store.List(ctx, q)
		require.NoError(t, err)
		return got
	}
	got := list(handoff.ListQuery{Queues: []string{qa}, Limit: 200})
	assert.Equal(t, numbers([]handoff.Ticket{a2, a3, a4, a1, a5}), numbers(got), "open tickets by priority, due, id")
	assertSameTicket(t, a2, got[0], "whole tickets")

	got = list(handoff.ListQuery{Queues: []string{qa, qb}, Limit: 200})
	assert.Equal(t, numbers([]handoff.Ticket{a2, b1, a3, a4, a1, a5}), numbers(got), "two queues in one line")

	got = list(handoff.ListQuery{Queues: []string{qa, qb}, Statuses: []handoff.Status{handoff.StatusResolved, handoff.StatusClosed}, Limit: 200})
	assert.Equal(t, numbers([]handoff.Ticket{done, b2}), numbers(got), "the statuses asked for")
	got = list(handoff.ListQuery{Queues: []string{qa}, Statuses: []handoff.Status{handoff.StatusAssigned}, Limit: 200})
	assert.Equal(t, numbers([]handoff.Ticket{a2}), numbers(got))
	assert.Empty(t, list(handoff.ListQuery{Queues: []string{newQueue()}, Limit: 200}), "an empty queue")

	// Pages of every size walk the same line: no ticket twice, none left out.
	want := numbers([]handoff.Ticket{a2, b1, a3, a4, a1, a5})
	for size := 1; size <= 4; size++ {
		var walked []string
		q := handoff.ListQuery{Queues: []string{qb, qa}, Limit: size}
		for range 10 {
			page := list(q)
			assert.LessOrEqual(t, len(page), size)
			walked = append(walked, numbers(page)...)
			if len(page) < size {
				break
			}
			c := handoff.CursorOf(page[len(page)-1])
			q.After = &c
		}
		assert.Equal(t, want, walked, "pages of %d", size)
	}
}

func testListInvalid(t *testing.T, h Harness) {
	ok := handoff.ListQuery{Queues: []string{newQueue()}, Limit: 10}
	cases := []struct {
		name, field string
		change      func(q *handoff.ListQuery)
	}{
		{"limit 0", "limit", func(q *handoff.ListQuery) { q.Limit = 0 }},
		{"limit 201", "limit", func(q *handoff.ListQuery) { q.Limit = handoff.MaxListLimit + 1 }},
		{"unknown status", "statuses[1]", func(q *handoff.ListQuery) { q.Statuses = []handoff.Status{"queued", "open"} }},
		{"empty queue", "queues[1]", func(q *handoff.ListQuery) { q.Queues = append(q.Queues, "") }},
		{"NUL in a queue", "queues[0]", func(q *handoff.ListQuery) { q.Queues = []string{"a\x00"} }},
		{"cursor priority", "cursor.priority", func(q *handoff.ListQuery) {
			q.After = &handoff.ListCursor{Priority: 0, DueAt: base, ID: 1}
		}},
		{"cursor due", "cursor.due_at", func(q *handoff.ListQuery) { q.After = &handoff.ListCursor{Priority: 1, ID: 1} }},
		{"cursor id", "cursor.id", func(q *handoff.ListQuery) { q.After = &handoff.ListCursor{Priority: 1, DueAt: base} }},
	}
	for _, tc := range cases {
		q := ok
		tc.change(&q)
		_, err := h.Store.List(ctxFor(t), q)
		require.ErrorIs(t, err, handoff.ErrInvalid, tc.name)
		assert.Contains(t, err.Error(), tc.field, tc.name)
	}
	_, err := h.Store.List(ctxFor(t), ok)
	assert.NoError(t, err)
}

func testClaim(t *testing.T, h Harness) {
	ctx := ctxFor(t)
	qa, qb := newQueue(), newQueue()
	p3 := ticketIn(t, h, qa, handoff.P3, base.Add(-time.Hour), handoff.StatusQueued)
	p1 := ticketIn(t, h, qa, handoff.P1, base.Add(time.Hour), handoff.StatusQueued)
	p2 := ticketIn(t, h, qa, handoff.P2, base, handoff.StatusQueued)
	ticketIn(t, h, qa, handoff.P1, base.Add(-time.Hour), handoff.StatusAssigned) // held: not in the line
	other := ticketIn(t, h, qb, handoff.P1, base.Add(30*time.Minute), handoff.StatusQueued)
	now := base.Add(time.Minute)

	got, err := h.Store.Claim(ctx, handoff.ClaimRequest{Queues: []string{qa}, Agent: "小王", Now: now})
	require.NoError(t, err)
	assert.Equal(t, p1.Number, got.Number, "P1 first, whatever its due time")
	assert.Equal(t, handoff.StatusAssigned, got.Status)
	assert.Equal(t, "小王", got.AssignedTo)
	assert.Equal(t, micro(now.Add(handoff.DefaultLease)), got.LeaseUntil, "the default lease")
	assert.Equal(t, micro(now), got.UpdatedAt)
	assert.True(t, got.FirstResponseAt.IsZero(), "claiming is not answering")
	stored, err := h.Store.Ticket(ctx, p1.Number)
	require.NoError(t, err)
	assertSameTicket(t, got, stored)

	e, n := lastEvent(t, h, p1.Number)
	assert.Equal(t, 2, n)
	assert.Equal(t, handoff.EventClaimed, e.Kind)
	assert.Equal(t, "小王", e.Actor)
	assert.Equal(t, micro(now), e.At)
	assert.Equal(t, map[string]string{"agent": "小王", "lease_until": handoff.DetailTime(got.LeaseUntil)}, e.Detail)

	// Of two queues, the head of their joint line: qb's P1 before qa's P2.
	got, err = h.Store.Claim(ctx, handoff.ClaimRequest{Queues: []string{qa, qb}, Agent: "agent-2", Now: now, Lease: time.Minute})
	require.NoError(t, err)
	assert.Equal(t, other.Number, got.Number)
	assert.Equal(t, micro(now.Add(time.Minute)), got.LeaseUntil, "the lease asked for")
	for _, want := range []handoff.Ticket{p2, p3} {
		got, err = h.Store.Claim(ctx, handoff.ClaimRequest{Queues: []string{qa, qb}, Agent: "agent-2", Now: now})
		require.NoError(t, err)
		assert.Equal(t, want.Number, got.Number)
	}
	_, err = h.Store.Claim(ctx, handoff.ClaimRequest{Queues: []string{qa, qb}, Agent: "agent-2", Now: now})
	assert.ErrorIs(t, err, handoff.ErrNoneWaiting, "all taken")
}

func testClaimNoneWaiting(t *testing.T, h Harness) {
	ctx := ctxFor(t)
	q := newQueue()
	ticketIn(t, h, q, handoff.P1, base, handoff.StatusAssigned)
	ticketIn(t, h, q, handoff.P1, base, handoff.StatusResolved)
	for _, queues := range [][]string{{q}, {newQueue()}, {q, newQueue()}} {
		_, err := h.Store.Claim(ctx, handoff.ClaimRequest{Queues: queues, Agent: "agent-1", Now: base})
		assert.ErrorIs(t, err, handoff.ErrNoneWaiting, queues)
		assert.ErrorIs(t, err, handoff.ErrNotFound, "the API's 204 is a not-found kind")
	}
}

func testClaimInvalid(t *testing.T, h Harness) {
	q := newQueue()
	tk := ticketIn(t, h, q, handoff.P2, base, handoff.StatusQueued)
	ok := handoff.ClaimRequest{Queues: []string{q}, Agent: "agent-1", Now: base}
	cases := []struct {
		name, field string
		change      func(r *handoff.ClaimRequest)
	}{
		{"no agent", "agent", func(r *handoff.ClaimRequest) { r.Agent = " " }},
		{"control character", "agent", func(r *handoff.ClaimRequest) { r.Agent = "a\tb" }},
		{"invalid UTF-8", "agent", func(r *handoff.ClaimRequest) { r.Agent = "\xff" }},
		{"no time", "now", func(r *handoff.ClaimRequest) { r.Now = time.Time{} }},
		{"negative lease", "lease", func(r *handoff.ClaimRequest) { r.Lease = -time.Second }},
		{"blank queue", "queues[0]", func(r *handoff.ClaimRequest) { r.Queues = []string{"  "} }},
	}
	for _, tc := range cases {
		r := ok
		tc.change(&r)
		_, err := h.Store.Claim(ctxFor(t), r)
		require.ErrorIs(t, err, handoff.ErrInvalid, tc.name)
		assert.Contains(t, err.Error(), tc.field, tc.name)
	}
	assertUnchanged(t, h, tk, 1, "refused claims")
}

// testConcurrentClaims is the contract's guarantee at a small scale; the PostgreSQL store's
// own test runs 20 claimers over 1,000 tickets.
func testConcurrentClaims(t *testing.T, h Harness) {
	ctx := ctxFor(t)
	q := newQueue()
	const tickets, claimers = 30, 6
	for i := range tickets {
		ticketIn(t, h, q, handoff.Priority(1+i%3), base.Add(time.Duration(i)*time.Second), handoff.StatusQueued)
	}
	claimed := make([][]string, claimers)
	var wg sync.WaitGroup
	for c := range claimers {
		wg.Go(func() {
			for {
				tk, err := h.Store.Claim(ctx, handoff.ClaimRequest{Queues: []string{q}, Agent: label(c), Now: base})
				if err != nil {
					assert.ErrorIs(t, err, handoff.ErrNoneWaiting)
					return
				}
				assert.Equal(t, label(c), tk.AssignedTo)
				claimed[c] = append(claimed[c], tk.Number)
			}
		})
	}
	wg.Wait()
	all := slices.Concat(claimed...)
	assert.Len(t, all, tickets, "every ticket claimed")
	slices.Sort(all)
	assert.Len(t, slices.Compact(all), tickets, "none twice")
	left, err := h.Store.List(ctx, handoff.ListQuery{Queues: []string{q}, Statuses: []handoff.Status{handoff.StatusQueued}, Limit: 200})
	require.NoError(t, err)
	assert.Empty(t, left, "none left queued")
}

func testRespond(t *testing.T, h Harness) {
	ctx := ctxFor(t)
	q := newQueue()
	tk := ticketIn(t, h, q, handoff.P2, base.Add(5*time.Minute), handoff.StatusQueued)
	t1 := base.Add(time.Minute)

	got, err := h.Store.Respond(ctx, tk.Number, "agent-1", t1, t1.Add(handoff.DefaultLease))
	require.NoError(t, err)
	assert.Equal(t, handoff.StatusAssigned, got.Status, "replying to a queued ticket claims it")
	assert.Equal(t, "agent-1", got.AssignedTo)
	assert.Equal(t, micro(t1), got.FirstResponseAt)
	assert.Equal(t, micro(t1.Add(handoff.DefaultLease)), got.LeaseUntil)
	assert.Equal(t, micro(t1), got.UpdatedAt)
	assert.Equal(t, tk.Priority, got.Priority)
	assert.True(t, got.DueAt.Equal(tk.DueAt), "the SLA stays what it was")
	stored, err := h.Store.Ticket(ctx, tk.Number)
	require.NoError(t, err)
	assertSameTicket(t, got, stored)
	e, n := lastEvent(t, h, tk.Number)
	assert.Equal(t, 2, n)
	assert.Equal(t, handoff.EventReplied, e.Kind)
	assert.Equal(t, "agent-1", e.Actor)
	assert.Equal(t, micro(t1), e.At)
	assert.Equal(t, map[string]string{"agent": "agent-1", "first": "true"}, e.Detail)

	t2 := base.Add(3 * time.Minute)
	got, err = h.Store.Respond(ctx, tk.Number, "agent-1", t2, t2.Add(time.Minute))
	require.NoError(t, err)
	assert.Equal(t, micro(t1), got.FirstResponseAt, "the first response is set once")
	assert.Equal(t, micro(t2.Add(time.Minute)), got.LeaseUntil, "the lease is renewed")
	e, n = lastEvent(t, h, tk.Number)
	assert.Equal(t, 3, n)
	assert.Equal(t, map[string]string{"agent": "agent-1", "first": "false"}, e.Detail)

	// A ticket claimed first, then answered by its agent.
	claimed := ticketIn(t, h, q, handoff.P3, base, handoff.StatusQueued)
	_, err = h.Store.Claim(ctx, handoff.ClaimRequest{Queues: []string{q}, Agent: "agent-2", Now: base})
	require.NoError(t, err)
	got, err = h.Store.Respond(ctx, claimed.Number, "agent-2", t1, t1.Add(time.Minute))
	require.NoError(t, err)
	assert.Equal(t, micro(t1), got.FirstResponseAt)
	assert.Equal(t, "agent-2", got.AssignedTo)
}

func testRespondConflicts(t *testing.T, h Harness) {
	ctx := ctxFor(t)
	q := newQueue()
	now := base.Add(time.Minute)
	held := ticketIn(t, h, q, handoff.P2, base, handoff.StatusQueued)
	held, err := h.Store.Respond(ctx, held.Number, "agent-1", now, now.Add(time.Minute))
	require.NoError(t, err)

	_, err = h.Store.Respond(ctx, held.Number, "agent-2", now, now.Add(time.Minute))
	assert.ErrorIs(t, err, handoff.ErrAssignedElsewhere)
	assert.ErrorIs(t, err, handoff.ErrConflict)
	assertUnchanged(t, h, held, 2, "another agent's ticket")

	for _, bad := range []struct {
		name, field, agent string
		now, lease         time.Time
	}{
		{"no agent", "agent", "", now, now.Add(time.Minute)},
		{"lease not after now", "lease_until", "agent-1", now, now},
		{"no time", "now", "agent-1", time.Time{}, now},
	} {
		_, err = h.Store.Respond(ctx, held.Number, bad.agent, bad.now, bad.lease)
		require.ErrorIs(t, err, handoff.ErrInvalid, bad.name)
		assert.Contains(t, err.Error(), bad.field, bad.name)
	}
	assertUnchanged(t, h, held, 2, "bad input")

	done, err := h.Store.Resolve(ctx, held.Number, "agent-1")
	require.NoError(t, err)
	assert.True(t, done.LeaseUntil.IsZero(), "a resolved ticket holds no lease")
	_, err = h.Store.Respond(ctx, held.Number, "agent-1", now, now.Add(time.Minute))
	assert.ErrorIs(t, err, handoff.ErrAlreadyResolved)
	assertUnchanged(t, h, done, 3, "resolved")

	closed := ticketIn(t, h, q, handoff.P2, base, handoff.StatusClosed)
	_, err = h.Store.Respond(ctx, closed.Number, "agent-1", now, now.Add(time.Minute))
	assert.ErrorIs(t, err, handoff.ErrAlreadyResolved, "closed")
	_, err = h.Store.Respond(ctx, "ZZZZ-ZZZZ", "agent-1", now, now.Add(time.Minute))
	assert.ErrorIs(t, err, handoff.ErrNotFound)
}

func testTransfer(t *testing.T, h Harness) {
	ctx := ctxFor(t)
	qa, qb := newQueue(), newQueue()
	tk := ticketIn(t, h, qa, handoff.P2, base.Add(5*time.Minute), handoff.StatusQueued)
	t1, t2 := base.Add(time.Minute), base.Add(2*time.Minute)
	_, err := h.Store.Respond(ctx, tk.Number, "agent-1", t1, t1.Add(time.Minute))
	require.NoError(t, err)

	got, err := h.Store.Transfer(ctx, tk.Number, "agent-1", qb, t2)
	require.NoError(t, err)
	assert.Equal(t, qb, got.Queue)
	assert.Equal(t, handoff.StatusQueued, got.Status, "it waits in the new queue")
	assert.Empty(t, got.AssignedTo)
	assert.True(t, got.LeaseUntil.IsZero(), "no lease while queued")
	assert.Equal(t, micro(t1), got.FirstResponseAt, "the first response stays on record")
	assert.Equal(t, micro(t2), got.UpdatedAt)
	stored, err := h.Store.Ticket(ctx, tk.Number)
	require.NoError(t, err)
	assertSameTicket(t, got, stored)
	e, n := lastEvent(t, h, tk.Number)
	assert.Equal(t, 3, n)
	assert.Equal(t, handoff.EventTransferred, e.Kind)
	assert.Equal(t, "agent-1", e.Actor)
	assert.Equal(t, micro(t2), e.At)
	assert.Equal(t, map[string]string{"from": qa, "to": qb}, e.Detail)

	// The new queue's agents can take it; the old queue's cannot.
	_, err = h.Store.Claim(ctx, handoff.ClaimRequest{Queues: []string{qa}, Agent: "agent-2", Now: t2})
	assert.ErrorIs(t, err, handoff.ErrNoneWaiting)
	got, err = h.Store.Claim(ctx, handoff.ClaimRequest{Queues: []string{qb}, Agent: "agent-3", Now: t2})
	require.NoError(t, err)
	assert.Equal(t, tk.Number, got.Number)

	// A queued ticket moves as well.
	waiting := ticketIn(t, h, qa, handoff.P3, base, handoff.StatusQueued)
	got, err = h.Store.Transfer(ctx, waiting.Number, "supervisor", qb, t2)
	require.NoError(t, err)
	assert.Equal(t, qb, got.Queue)
	assert.Equal(t, handoff.StatusQueued, got.Status)
}

func testTransferConflicts(t *testing.T, h Harness) {
	ctx := ctxFor(t)
	qa, qb := newQueue(), newQueue()
	tk := ticketIn(t, h, qa, handoff.P2, base, handoff.StatusAssigned)
	_, err := h.Store.Transfer(ctx, tk.Number, "agent-1", qa, base)
	require.ErrorIs(t, err, handoff.ErrInvalid, "the same queue")
	assert.Contains(t, err.Error(), "queue")
	for _, bad := range []struct{ name, field, actor, queue string }{
		{"no actor", "actor", "", qb},
		{"no queue", "queue", "agent-1", ""},
		{"overlong queue", "queue", "agent-1", string(make([]byte, handoff.MaxQueueLen+1))},
		{"NUL in the queue", "queue", "agent-1", "a\x00"},
	} {
		_, err = h.Store.Transfer(ctx, tk.Number, bad.actor, bad.queue, base)
		require.ErrorIs(t, err, handoff.ErrInvalid, bad.name)
		assert.Contains(t, err.Error(), bad.field, bad.name)
	}
	_, err = h.Store.Transfer(ctx, tk.Number, "agent-1", qb, time.Time{})
	assert.ErrorIs(t, err, handoff.ErrInvalid, "no time")
	assertUnchanged(t, h, tk, 1, "refused transfers")

	for _, st := range []handoff.Status{handoff.StatusResolved, handoff.StatusClosed} {
		done := ticketIn(t, h, qa, handoff.P2, base, st)
		_, err = h.Store.Transfer(ctx, done.Number, "agent-1", qb, base)
		assert.ErrorIs(t, err, handoff.ErrAlreadyResolved, st)
		assertUnchanged(t, h, done, 1, string(st))
	}
	_, err = h.Store.Transfer(ctx, "ZZZZ-ZZZZ", "agent-1", qb, base)
	assert.ErrorIs(t, err, handoff.ErrNotFound)
}

func testEventsAfter(t *testing.T, h Harness) {
	ctx := ctxFor(t)
	qa, qb := newQueue(), newQueue()
	a := ticketIn(t, h, qa, handoff.P2, base, handoff.StatusQueued)
	b := ticketIn(t, h, qa, handoff.P3, base, handoff.StatusQueued)
	created, _ := lastEvent(t, h, a.Number)
	_, err := h.Store.Claim(ctx, handoff.ClaimRequest{Queues: []string{qa}, Agent: "agent-1", Now: base})
	require.NoError(t, err)
	_, err = h.Store.Transfer(ctx, b.Number, "agent-2", qb, base)
	require.NoError(t, err)
	_, err = h.Store.Respond(ctx, a.Number, "agent-1", base, base.Add(time.Minute))
	require.NoError(t, err)

	// The feed from just before a's creation, read through in small pages: other subtests
	// write to the same store, so only a's and b's events are checked.
	var feed []handoff.Event
	after := created.ID - 1
	for range 1000 {
		page, err := h.Store.EventsAfter(ctx, after, 3)
		require.NoError(t, err)
		require.LessOrEqual(t, len(page), 3, "at most limit")
		if len(page) == 0 {
			break
		}
		for _, e := range page {
			require.Greater(t, e.ID, after, "in ID order, none twice")
			after = e.ID
			if e.TicketID == a.ID || e.TicketID == b.ID {
				feed = append(feed, e)
			}
		}
	}
	require.Len(t, feed, 5)
	assert.Equal(t, created.ID, feed[0].ID, "starts right after afterID")
	kinds := make([]handoff.EventKind, len(feed))
	for i, e := range feed {
		kinds[i] = e.Kind
	}
	assert.Equal(t, []handoff.EventKind{handoff.EventCreated, handoff.EventCreated, handoff.EventClaimed,
		handoff.EventTransferred, handoff.EventReplied}, kinds)
	assert.Equal(t, a.Number, feed[0].Number)
	assert.Equal(t, qa, feed[0].Queue)
	assert.Equal(t, b.Number, feed[1].Number)
	assert.Equal(t, qa, feed[1].Queue, "the queue the ticket was in then, not the one it is in now")
	assert.Equal(t, qb, feed[3].Queue)
	assert.Equal(t, map[string]string{"from": qa, "to": qb}, feed[3].Detail)
	assert.Equal(t, "agent-2", feed[3].Actor)

	// Each ticket's history and the feed tell the same story.
	history, err := h.Store.Events(ctx, a.Number)
	require.NoError(t, err)
	var fromFeed []handoff.Event
	for _, e := range feed {
		if e.TicketID == a.ID {
			e.Number, e.Queue = "", ""
			fromFeed = append(fromFeed, e)
		}
	}
	assert.Equal(t, history, fromFeed)

	one, err := h.Store.EventsAfter(ctx, created.ID-1, 1)
	require.NoError(t, err)
	require.Len(t, one, 1)
	assert.Equal(t, created.ID, one[0].ID)

	for _, bad := range []struct {
		field string
		after int64
		limit int
	}{{"limit", 0, 0}, {"limit", 0, handoff.MaxEventsLimit + 1}, {"after", -1, 10}} {
		_, err := h.Store.EventsAfter(ctx, bad.after, bad.limit)
		require.ErrorIs(t, err, handoff.ErrInvalid, bad)
		assert.Contains(t, err.Error(), bad.field)
	}
}

// testLifecycleEvents follows one ticket from the handoff to its rating: every change leaves
// one event, dated like the change, under who made it.
func testLifecycleEvents(t *testing.T, h Harness) {
	ctx := ctxFor(t)
	qa, qb := newQueue(), newQueue()
	tk := queued(h.NewConversation(t, "u-life"), qa, handoff.P2, base.Add(5*time.Minute))
	tk.OwnerID = "u-life"
	tk = insert(t, h.Store, tk)
	at := func(m int) time.Time { return base.Add(time.Duration(m) * time.Minute) }

	steps := []struct {
		kind  handoff.EventKind
		actor string
		do    func() (handoff.Ticket, error)
	}{
		{handoff.EventClaimed, "agent-1", func() (handoff.Ticket, error) {
			return h.Store.Claim(ctx, handoff.ClaimRequest{Queues: []string{qa}, Agent: "agent-1", Now: at(1)})
		}},
		{handoff.EventReplied, "agent-1", func() (handoff.Ticket, error) {
			return h.Store.Respond(ctx, tk.Number, "agent-1", at(2), at(7))
		}},
		{handoff.EventTransferred, "agent-1", func() (handoff.Ticket, error) {
			return h.Store.Transfer(ctx, tk.Number, "agent-1", qb, at(3))
		}},
		{handoff.EventReplied, "agent-2", func() (handoff.Ticket, error) {
			return h.Store.Respond(ctx, tk.Number, "agent-2", at(4), at(9))
		}},
		{handoff.EventResolved, "agent-2", func() (handoff.Ticket, error) {
			return h.Store.Resolve(ctx, tk.Number, "agent-2")
		}},
		{handoff.EventRated, handoff.ActorUser, func() (handoff.Ticket, error) {
			if _, err := h.Store.Rate(ctx, tk.Number, "u-life", 5, ""); err != nil {
				return handoff.Ticket{}, err
			}
			return h.Store.Ticket(ctx, tk.Number)
		}},
	}
	for i, s := range steps {
		got, err := s.do()
		require.NoError(t, err, s.kind)
		e, n := lastEvent(t, h, tk.Number)
		assert.Equal(t, i+2, n, "one event per change: %s", s.kind)
		assert.Equal(t, s.kind, e.Kind)
		assert.Equal(t, s.actor, e.Actor, s.kind)
		assert.True(t, e.At.Equal(got.UpdatedAt), "%s: the event is dated like the change", s.kind)
		assert.NotEmpty(t, e.Detail, s.kind)
	}
	final, err := h.Store.Ticket(ctx, tk.Number)
	require.NoError(t, err)
	assert.Equal(t, handoff.StatusClosed, final.Status)
	assert.False(t, final.ClosedAt.IsZero(), "rating closes the ticket and dates it")
	assert.True(t, final.ClosedAt.Equal(final.UpdatedAt))
	assert.Equal(t, micro(at(2)), final.FirstResponseAt, "the first reply of the whole ticket")
}
