package storetest

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/faqbot/faqbot/handoff"
)

// resolved is a ticket of ownerID that an agent has resolved, ready to be rated.
func resolved(t *testing.T, h Harness, ownerID string) handoff.Ticket {
	t.Helper()
	tk := queued(h.NewConversation(t, ownerID), "general", handoff.P3, base.Add(time.Hour))
	tk.OwnerID = ownerID
	tk = insert(t, h.Store, tk)
	got, err := h.Store.Resolve(ctxFor(t), tk.Number, "agent-1")
	require.NoError(t, err)
	return got
}

// assertNoRating checks that a refused call left the ticket as it was and stored no rating.
func assertNoRating(t *testing.T, h Harness, want handoff.Ticket, events int) {
	t.Helper()
	ctx := ctxFor(t)
	got, err := h.Store.Ticket(ctx, want.Number)
	require.NoError(t, err)
	assertSameTicket(t, want, got, "unchanged")
	_, err = h.Store.Rating(ctx, want.Number)
	assert.ErrorIs(t, err, handoff.ErrNotFound, "no rating stored")
	evs, err := h.Store.Events(ctx, want.Number)
	require.NoError(t, err)
	assert.Len(t, evs, events, "no event written")
}

func testResolve(t *testing.T, h Harness) {
	for _, st := range []handoff.Status{handoff.StatusQueued, handoff.StatusAssigned} {
		t.Run(string(st), func(t *testing.T) {
			ctx := ctxFor(t)
			conv := h.NewConversation(t, "u-res")
			tk := queued(conv, "general", handoff.P2, base.Add(time.Hour))
			tk.Status = st
			if st == handoff.StatusAssigned {
				tk.AssignedTo = "agent-7"
			}
			tk = insert(t, h.Store, tk)
			before := time.Now().Add(-time.Second)

			got, err := h.Store.Resolve(ctx, tk.Number, "agent-7")
			require.NoError(t, err)
			assert.Equal(t, handoff.StatusResolved, got.Status)
			assert.True(t, got.ResolvedAt.After(before), "resolved_at is now: %v", got.ResolvedAt)
			assert.Equal(t, time.UTC, got.ResolvedAt.Location())
			assert.True(t, got.UpdatedAt.Equal(got.ResolvedAt), "updated_at moves with it")
			assert.Equal(t, tk.AssignedTo, got.AssignedTo, "who had it stays on record")
			stored, err := h.Store.Ticket(ctx, tk.Number)
			require.NoError(t, err)
			assertSameTicket(t, got, stored)

			_, err = h.Store.OpenTicketFor(ctx, conv)
			assert.ErrorIs(t, err, handoff.ErrNotFound, "a resolved ticket is not open")
			insert(t, h.Store, queued(conv, "general", handoff.P3, base)) // the conversation may hand over again

			events, err := h.Store.Events(ctx, tk.Number)
			require.NoError(t, err)
			require.Len(t, events, 2)
			e := events[1]
			assert.Equal(t, handoff.EventResolved, e.Kind)
			assert.Equal(t, "agent-7", e.Actor)
			assert.Equal(t, tk.ID, e.TicketID)
			assert.Equal(t, map[string]string{"from": string(st)}, e.Detail)
			assert.True(t, e.At.Equal(got.ResolvedAt), "the event is dated like the change")
			_, err = h.Store.Rating(ctx, tk.Number)
			assert.ErrorIs(t, err, handoff.ErrNotFound, "resolved, not rated yet")
		})
	}
}

func testResolveTwice(t *testing.T, h Harness) {
	ctx := ctxFor(t)
	tk := resolved(t, h, "u-twice")
	_, err := h.Store.Resolve(ctx, tk.Number, "agent-2")
	assert.ErrorIs(t, err, handoff.ErrAlreadyResolved)
	assert.ErrorIs(t, err, handoff.ErrConflict)
	assertNoRating(t, h, tk, 2)

	closed := queued(h.NewConversation(t, "u-twice"), "general", handoff.P3, base)
	closed.Status = handoff.StatusClosed
	closed = insert(t, h.Store, closed)
	_, err = h.Store.Resolve(ctx, closed.Number, "agent-2")
	assert.ErrorIs(t, err, handoff.ErrAlreadyResolved, "closed")

	// Two agents at once: one resolves, the other is told it is done.
	open := insert(t, h.Store, queued(h.NewConversation(t, "u-twice"), "general", handoff.P3, base))
	errs := make([]error, 2)
	var wg sync.WaitGroup
	for i := range errs {
		wg.Go(func() { _, errs[i] = h.Store.Resolve(ctx, open.Number, label(i)) })
	}
	wg.Wait()
	assert.True(t, (errs[0] == nil) != (errs[1] == nil), "exactly one resolves: %v", errs)
	events, err := h.Store.Events(ctx, open.Number)
	require.NoError(t, err)
	assert.Len(t, events, 2, "one resolution event")
}

func testResolveInvalid(t *testing.T, h Harness) {
	tk := insert(t, h.Store, queued(h.NewConversation(t, "u-ract"), "general", handoff.P3, base))
	for name, actor := range map[string]string{
		"empty": "", "blank": "  ", "NUL": "agent\x00", "newline": "agent\n1",
		"invalid UTF-8": "\xff", "overlong": strings.Repeat("名", handoff.MaxActorLen+1),
	} {
		_, err := h.Store.Resolve(ctxFor(t), tk.Number, actor)
		assert.ErrorIs(t, err, handoff.ErrInvalid, name)
	}
	assertNoRating(t, h, tk, 1)
}

func testResolvedAtRoundTrip(t *testing.T, h Harness) {
	tk := queued(h.NewConversation(t, "u-rat"), "general", handoff.P3, base)
	tk.Status, tk.ResolvedAt = handoff.StatusResolved, base.Add(time.Minute).In(time.FixedZone("CST", 8*3600))
	require.NoError(t, h.Store.InsertTicket(ctxFor(t), &tk))
	assert.Equal(t, micro(base.Add(time.Minute)), tk.ResolvedAt, "the caller's ticket carries the stored time")
	got, err := h.Store.Ticket(ctxFor(t), tk.Number)
	require.NoError(t, err)
	assert.Equal(t, micro(base.Add(time.Minute)), got.ResolvedAt)

	open := insert(t, h.Store, queued(h.NewConversation(t, "u-rat"), "general", handoff.P3, base))
	got, err = h.Store.Ticket(ctxFor(t), open.Number)
	require.NoError(t, err)
	assert.True(t, got.ResolvedAt.IsZero(), "an open ticket has no resolution time")
}

func testRate(t *testing.T, h Harness) {
	ctx := ctxFor(t)
	tk := resolved(t, h, "u-rate")
	before := time.Now().Add(-time.Second)
	comment := "客服很耐心，问题解决了。\nThanks!"

	r, err := h.Store.Rate(ctx, tk.Number, "u-rate", 4, comment)
	require.NoError(t, err)
	assert.Equal(t, tk.Number, r.TicketNumber)
	assert.Equal(t, 4, r.Score)
	assert.Equal(t, comment, r.Comment)
	assert.True(t, r.CreatedAt.After(before), "created now: %v", r.CreatedAt)

	stored, err := h.Store.Rating(ctx, tk.Number)
	require.NoError(t, err)
	assert.Equal(t, r, stored)
	got, err := h.Store.Ticket(ctx, tk.Number)
	require.NoError(t, err)
	assert.Equal(t, handoff.StatusClosed, got.Status, "a rated ticket is closed")
	assert.True(t, got.UpdatedAt.Equal(r.CreatedAt))
	assert.True(t, got.ResolvedAt.Equal(tk.ResolvedAt), "resolved_at stays")

	events, err := h.Store.Events(ctx, tk.Number)
	require.NoError(t, err)
	require.Len(t, events, 3)
	e := events[2]
	assert.Equal(t, handoff.EventRated, e.Kind)
	assert.Equal(t, handoff.ActorUser, e.Actor)
	assert.Equal(t, map[string]string{"score": "4"}, e.Detail)
	assert.True(t, e.At.Equal(r.CreatedAt))

	// The longest comment, in characters (3 bytes each), and no comment at all.
	long := strings.Repeat("好", handoff.MaxCommentLen)
	r, err = h.Store.Rate(ctx, resolved(t, h, "u-rate").Number, "u-rate", 1, long)
	require.NoError(t, err)
	assert.Equal(t, long, r.Comment)
	r, err = h.Store.Rate(ctx, resolved(t, h, "u-rate").Number, "u-rate", 5, "")
	require.NoError(t, err)
	assert.Empty(t, r.Comment)
}

func testRateOwner(t *testing.T, h Harness) {
	ctx := ctxFor(t)
	tk := resolved(t, h, "u-owner")
	for _, owner := range []string{"u-other", "", "U-OWNER"} {
		_, err := h.Store.Rate(ctx, tk.Number, owner, 5, "")
		assert.ErrorIs(t, err, handoff.ErrNotFound, "owner %q", owner)
	}
	assertNoRating(t, h, tk, 2)
	_, err := h.Store.Rate(ctx, tk.Number, "u-owner", 5, "")
	assert.NoError(t, err, "the owner may")
}

func testRateNotResolved(t *testing.T, h Harness) {
	ctx := ctxFor(t)
	for _, st := range []handoff.Status{handoff.StatusQueued, handoff.StatusAssigned} {
		tk := queued(h.NewConversation(t, "u-nr"), "general", handoff.P3, base)
		tk.OwnerID, tk.Status = "u-nr", st
		tk = insert(t, h.Store, tk)
		_, err := h.Store.Rate(ctx, tk.Number, "u-nr", 3, "")
		assert.ErrorIs(t, err, handoff.ErrNotResolved, st)
		assert.ErrorIs(t, err, handoff.ErrConflict, st)
		assertNoRating(t, h, tk, 1)
	}
	// Closed without a rating (by a later workflow): refused too, but not as rated.
	tk := queued(h.NewConversation(t, "u-nr"), "general", handoff.P3, base)
	tk.OwnerID, tk.Status = "u-nr", handoff.StatusClosed
	tk = insert(t, h.Store, tk)
	_, err := h.Store.Rate(ctx, tk.Number, "u-nr", 3, "")
	assert.ErrorIs(t, err, handoff.ErrConflict)
	assert.NotErrorIs(t, err, handoff.ErrAlreadyRated)
	assertNoRating(t, h, tk, 1)
}

func testRateOnce(t *testing.T, h Harness) {
	ctx := ctxFor(t)
	tk := resolved(t, h, "u-once")
	first, err := h.Store.Rate(ctx, tk.Number, "u-once", 2, "slow")
	require.NoError(t, err)
	_, err = h.Store.Rate(ctx, tk.Number, "u-once", 5, "changed my mind")
	assert.ErrorIs(t, err, handoff.ErrAlreadyRated)
	assert.ErrorIs(t, err, handoff.ErrConflict)
	got, err := h.Store.Rating(ctx, tk.Number)
	require.NoError(t, err)
	assert.Equal(t, first, got, "the first rating stands")
	_, err = h.Store.Resolve(ctx, tk.Number, "agent-1")
	assert.ErrorIs(t, err, handoff.ErrAlreadyResolved, "a closed ticket is not resolved again")
	events, err := h.Store.Events(ctx, tk.Number)
	require.NoError(t, err)
	assert.Len(t, events, 3, "one rating event")
}

func testRateInvalid(t *testing.T, h Harness) {
	tk := resolved(t, h, "u-rbad")
	cases := []struct {
		name, field string
		score       int
		comment     string
	}{
		{"score 0", "score", 0, ""},
		{"score 6", "score", 6, ""},
		{"negative score", "score", -1, ""},
		{"comment too long", "comment", 3, strings.Repeat("好", handoff.MaxCommentLen+1)},
		{"invalid UTF-8", "comment", 3, "ok \xff"},
		{"NUL", "comment", 3, "a\x00b"},
		{"bell", "comment", 3, "a\x07b"},
		{"C1 control", "comment", 3, "a\u0085b"},
	}
	for _, tc := range cases {
		_, err := h.Store.Rate(ctxFor(t), tk.Number, "u-rbad", tc.score, tc.comment)
		require.ErrorIs(t, err, handoff.ErrInvalid, tc.name)
		assert.Contains(t, err.Error(), tc.field, tc.name)
	}
	assertNoRating(t, h, tk, 2)
	_, err := h.Store.Rate(ctxFor(t), tk.Number, "u-rbad", 3, "")
	assert.NoError(t, err, "still open for a good rating")
}

func testConcurrentRatings(t *testing.T, h Harness) {
	ctx := ctxFor(t)
	tk := resolved(t, h, "u-race")
	const n = 10
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { _, errs[i] = h.Store.Rate(ctx, tk.Number, "u-race", 1+i%5, label(i)) })
	}
	wg.Wait()
	won := -1
	for i, err := range errs {
		if err == nil {
			assert.Equal(t, -1, won, "only one rating may win")
			won = i
			continue
		}
		assert.ErrorIs(t, err, handoff.ErrAlreadyRated, label(i))
	}
	require.NotEqual(t, -1, won, "one rating wins")
	got, err := h.Store.Rating(ctx, tk.Number)
	require.NoError(t, err)
	assert.Equal(t, label(won), got.Comment, "the winner's rating is stored")
	assert.Equal(t, 1+won%5, got.Score)
	events, err := h.Store.Events(ctx, tk.Number)
	require.NoError(t, err)
	assert.Len(t, events, 3, "created, resolved, rated once")
}

// testResolvedTicketFor: the ticket a rating typed into the chat belongs to is the
// conversation's latest resolved one, until it is rated.
func testResolvedTicketFor(t *testing.T, h Harness) {
	ctx := ctxFor(t)
	owner := "owner-resolved-for"
	conv := h.NewConversation(t, owner)
	_, err := h.Store.ResolvedTicketFor(ctx, conv)
	require.ErrorIs(t, err, handoff.ErrNotFound, "no ticket yet")

	first := queued(conv, "general", handoff.P3, base.Add(time.Hour))
	first.OwnerID = owner
	first = insert(t, h.Store, first)
	_, err = h.Store.ResolvedTicketFor(ctx, conv)
	require.ErrorIs(t, err, handoff.ErrNotFound, "an open ticket is not resolved")
	_, err = h.Store.Resolve(ctx, first.Number, "agent-1")
	require.NoError(t, err)

	second := queued(conv, "payment", handoff.P2, base.Add(2*time.Hour))
	second.OwnerID = owner
	second = insert(t, h.Store, second)
	_, err = h.Store.Resolve(ctx, second.Number, "agent-2")
	require.NoError(t, err)

	got, err := h.Store.ResolvedTicketFor(ctx, conv)
	require.NoError(t, err)
	assert.Equal(t, second.Number, got.Number, "the latest one")
	_, err = h.Store.Rate(ctx, second.Number, owner, 4, "")
	require.NoError(t, err)
	got, err = h.Store.ResolvedTicketFor(ctx, conv)
	require.NoError(t, err)
	assert.Equal(t, first.Number, got.Number, "a rated ticket is closed; the earlier one still waits")

	_, err = h.Store.ResolvedTicketFor(ctx, h.NewConversation(t, owner))
	require.ErrorIs(t, err, handoff.ErrNotFound, "another conversation's tickets are not this one's")
}
