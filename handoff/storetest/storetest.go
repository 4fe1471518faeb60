// Package storetest is the contract every handoff.Store passes: the in-memory store and the
// PostgreSQL store run the same suite, so the bot and the agents' workflow cannot tell them
// apart.
package storetest

import (
	"context"
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/faqbot/faqbot/handoff"
)

// Harness is one store under test and a way to make the conversations its tickets name.
type Harness struct {
	Store handoff.Store
	// NewConversation returns the id of a new conversation of ownerID. Tickets refer to
	// conversations, which the handoff domain does not create; PostgreSQL enforces the
	// reference, the memory store only needs a well-formed id.
	NewConversation func(t *testing.T, ownerID string) string
}

// Run runs the contract suite, its subtests in parallel. newHarness is called once per
// subtest and may register cleanups on the t it is given; it may return fresh stores or the
// same ones every time: each subtest makes its own conversations, numbers and queues and
// assumes nothing about what else the store holds.
func Run(t *testing.T, newHarness func(t *testing.T) Harness) {
	tests := []struct {
		name string
		fn   func(t *testing.T, h Harness)
	}{
		{"InsertAndRead", testInsertAndRead},
		{"CopiesAreNotShared", testCopies},
		{"EmptyListsComeBackEmpty", testEmptyLists},
		{"NumberIsUnique", testNumberUnique},
		{"OneOpenTicketPerConversation", testOneOpen},
		{"ConcurrentInsertsOneOpenWins", testConcurrentOpen},
		{"RejectsInvalidTickets", testInvalid},
		{"UnknownIsNotFound", testNotFound},
		{"AheadFollowsPriorityDueID", testAhead},
		{"EscalateRaisesOneTier", testEscalate},
		{"EscalateStopsAtP1", testEscalateP1},
		{"EscalateOnlyQueued", testEscalateNotQueued},
		{"EscalateRejectsBadInput", testEscalateInvalid},
		{"CreationEvent", testCreationEvent},
		{"ResolveOpenTickets", testResolve},
		{"ResolveTwiceConflicts", testResolveTwice},
		{"ResolveRejectsBadActor", testResolveInvalid},
		{"ResolvedAtRoundTrips", testResolvedAtRoundTrip},
		{"RateClosesTheTicket", testRate},
		{"RateOnlyTheOwnersTicket", testRateOwner},
		{"RateOnlyResolved", testRateNotResolved},
		{"RateOnce", testRateOnce},
		{"RateRejectsBadInput", testRateInvalid},
		{"ConcurrentRatingsOneWins", testConcurrentRatings},
		{"ResolvedTicketForIsTheLatestUnrated", testResolvedTicketFor},
		// The agents' workflow (workflow.go).
		{"ListOrderFiltersAndPages", testList},
		{"ListRejectsBadQueries", testListInvalid},
		{"ClaimTakesTheHeadOfTheQueues", testClaim},
		{"ClaimNoneWaiting", testClaimNoneWaiting},
		{"ClaimRejectsBadRequests", testClaimInvalid},
		{"ConcurrentClaimsOneEach", testConcurrentClaims},
		{"Respond", testRespond},
		{"RespondConflicts", testRespondConflicts},
		{"Transfer", testTransfer},
		{"TransferConflicts", testTransferConflicts},
		{"EventsAfterIsTheGlobalFeed", testEventsAfter},
		{"EveryChangeHasItsEvent", testLifecycleEvents},
	}
	// The sweeps and the claims across every queue act on the whole store, which the
	// subtests may share: they run one at a time, before the parallel subtests start, each in
	// an era of its own (see the eras in workflow.go).
	serial := []struct {
		name string
		fn   func(t *testing.T, h Harness)
	}{
		{"ListAndClaimAcrossQueues", testAcrossQueues},
		{"SweepBreached", testSweepBreached},
		{"ReleaseLapsed", testReleaseLapsed},
		{"CloseUnrated", testCloseUnrated},
	}
	for _, tc := range serial {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, newHarness(t)) })
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.fn(t, newHarness(t))
		})
	}
}

func ctxFor(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// base is a fixed instant with sub-microsecond noise the stores must drop.
var base = time.Date(2025, 3, 14, 9, 26, 53, 589793238, time.UTC)

// newTicket is the ticket the bot's policy opens for an angry user with a payment problem.
func newTicket(conversationID, ownerID string) handoff.Ticket {
	t := handoff.DefaultPolicy().Open(handoff.OpenRequest{
		ConversationID: conversationID,
		OwnerID:        ownerID,
		Category:       "payment",
		Trigger:        handoff.TriggerAngry,
		Reason:         "the user is angry: 扣了两次钱",
		Urgent:         true,
		Question:       "为什么扣了我两次钱?",
		Summary:        "user: 扣了两次钱\nbot: 请提供订单号",
		SentimentTrail: []handoff.SentimentPoint{
			{Label: "negative", Score: -0.4, At: base.Add(-time.Minute)},
			{Label: "angry", Score: -0.9, At: base.In(time.FixedZone("CST", 8*3600))},
		},
		Candidates: []handoff.Candidate{{ArticleID: 7, Title: "重复扣款", Answer: "会在 3 个工作日内退回", Score: 0.41}},
		Language:   "zh",
	}, base)
	return t
}

// queued is a minimal queued ticket of queue q.
func queued(conversationID, q string, p handoff.Priority, due time.Time) handoff.Ticket {
	return handoff.Ticket{
		Number: handoff.NewNumber(), ConversationID: conversationID, OwnerID: "owner", Status: handoff.StatusQueued,
		Priority: p, Queue: q, Category: "general", Trigger: handoff.TriggerLowConfidence,
		Reason: "low confidence twice", CreatedAt: base, UpdatedAt: base, DueAt: due,
	}
}

func insert(t *testing.T, s handoff.Store, tk handoff.Ticket) handoff.Ticket {
	t.Helper()
	require.NoError(t, s.InsertTicket(ctxFor(t), &tk))
	require.NotZero(t, tk.ID)
	return tk
}

// micro is what a store gives back for an instant: UTC, in microseconds.
func micro(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

// assertSameTicket compares tickets, times by instant.
func assertSameTicket(t *testing.T, want, got handoff.Ticket, msgAndArgs ...any) {
	t.Helper()
	for _, p := range []struct {
		name      string
		want, got time.Time
	}{
		{"created_at", want.CreatedAt, got.CreatedAt}, {"due_at", want.DueAt, got.DueAt},
		{"updated_at", want.UpdatedAt, got.UpdatedAt}, {"resolved_at", want.ResolvedAt, got.ResolvedAt},
		{"lease_until", want.LeaseUntil, got.LeaseUntil}, {"first_response_at", want.FirstResponseAt, got.FirstResponseAt},
		{"breached_at", want.BreachedAt, got.BreachedAt}, {"closed_at", want.ClosedAt, got.ClosedAt},
	} {
		assert.True(t, p.want.Equal(p.got), "%s: want %v, got %v", p.name, p.want, p.got)
	}
	assert.Equal(t, plain(want), plain(got), msgAndArgs...)
}

// plain drops the times (compared by instant) and reads nil lists as empty ones
// (EmptyListsComeBackEmpty checks what the stores return).
func plain(t handoff.Ticket) handoff.Ticket {
	t.CreatedAt, t.DueAt, t.UpdatedAt, t.ResolvedAt = time.Time{}, time.Time{}, time.Time{}, time.Time{}
	t.LeaseUntil, t.FirstResponseAt, t.BreachedAt, t.ClosedAt = time.Time{}, time.Time{}, time.Time{}, time.Time{}
	if t.SentimentTrail == nil {
		t.SentimentTrail = []handoff.SentimentPoint{}
	}
	if t.Candidates == nil {
		t.Candidates = []handoff.Candidate{}
	}
	return t
}

func label(i int) string { return fmt.Sprintf("#%d", i) }

func nan() float64 { return math.NaN() }
