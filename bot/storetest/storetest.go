// Package storetest is the contract every bot.Store passes: the in-memory store and the
// PostgreSQL store run the same suite, so the engine cannot tell them apart.
package storetest

import (
	"context"
	"crypto/sha256"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/faqbot/faqbot/bot"
	"github.com/faqbot/faqbot/handoff"
)

// Harness is one store under test and the ticket store its FinishTurn writes tickets into.
type Harness struct {
	Store   bot.Store
	Tickets handoff.Store
}

// Run runs the contract suite, its subtests in parallel. newHarness is called once per
// subtest and may register cleanups on the t it is given; it may return fresh stores or the
// same ones every time: each subtest makes its own conversations and assumes nothing about
// what else the store holds.
func Run(t *testing.T, newHarness func(t *testing.T) Harness) {
	// Expiring keys deletes every key older than a time, other subtests' keys too: that test
	// runs first and alone, before any parallel subtest has started.
	t.Run("ExpireTurnKeys", func(t *testing.T) { testExpireTurnKeys(t, newHarness(t)) })

	tests := []struct {
		name string
		fn   func(t *testing.T, h Harness)
	}{
		{"CreateAndGet", testCreateAndGet},
		{"CreateWithID", testCreateWithID},
		{"OwnerIsolation", testOwnerIsolation},
		{"TokenLookup", testTokenLookup},
		{"CreateRejectsInvalid", testCreateInvalid},
		{"SetState", testSetState},
		{"MessagesRoundTrip", testMessagesRoundTrip},
		{"SeqOrdersMessages", testSeqOrder},
		{"ConcurrentAppendsHaveNoGaps", testConcurrentAppends},
		{"MessagesAfterSeqWithLimit", testMessagesPaging},
		{"RecentOfALongConversation", testRecentLong},
		{"AppendRejectsInvalid", testAppendInvalid},
		{"UnknownConversation", testUnknownConversation},
		{"CopiesAreNotShared", testCopies},
		{"BeginTurnWithoutKey", testBeginWithoutKey},
		{"IdempotentRetrySameBody", testIdempotentSameBody},
		{"IdempotencyKeyOtherBody", testIdempotentOtherBody},
		{"IdempotencyKeyPerConversation", testKeyPerConversation},
		{"ConcurrentBeginTurnOneKey", testConcurrentBegin},
		{"BeginTurnRejectsInvalid", testBeginInvalid},
		{"FinishTurnWritesEverything", testFinishTurn},
		{"FinishTurnWithoutReply", testFinishWithoutReply},
		{"FinishTurnKeepsState", testFinishKeepsState},
		{"FinishTurnWithTicket", testFinishWithTicket},
		{"FinishTurnIsAllOrNothing", testFinishAtomic},
		{"FinishTurnRejects", testFinishRejects},
		{"FinishTurnWritesGap", testFinishTurnWritesGap},
		{"FinishTurnGapIsAllOrNothing", testFinishTurnGapAllOrNothing},
		{"RecordGap", testRecordGap},
		{"GapsQuery", testGapsQuery},
		{"FeedInIDOrder", testFeedInIDOrder},
		{"FeedHeads", testFeedHeads},
		{"FeedRejects", testFeedRejects},
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

func newConversation(t *testing.T, s bot.Store, ownerID string) bot.Conversation {
	t.Helper()
	c := bot.Conversation{OwnerID: ownerID}
	require.NoError(t, s.CreateConversation(ctxFor(t), &c))
	return c
}

func userMessage(conversationID, text string) bot.Message {
	return bot.Message{ConversationID: conversationID, Role: bot.RoleUser, Text: text,
		Sentiment: &bot.Sentiment{Label: "neutral", Score: 0}}
}

// botReply is a full answer: every optional field set.
func botReply(conversationID, text string) *bot.Message {
	confidence := 0.8125
	return &bot.Message{ConversationID: conversationID, Role: bot.RoleBot, Text: text,
		Citations:  []bot.Citation{{ArticleID: 12, Title: "收不到验证码"}, {ArticleID: 3, Title: "Reset password"}},
		Confidence: &confidence, Decision: bot.DecisionAnswer, Reason: "matched with confidence 0.81",
		Suggestions: []string{"怎么改手机号?", "How do I reset my password?"}}
}

func appendN(t *testing.T, s bot.Store, conversationID string, n int) []bot.Message {
	t.Helper()
	out := make([]bot.Message, n)
	for i := range out {
		m := bot.Message{ConversationID: conversationID, Role: bot.RoleSystem, Text: fmt.Sprintf("notice %d", i+1)}
		require.NoError(t, s.AppendMessage(ctxFor(t), &m))
		out[i] = m
	}
	return out
}

func keyFor(key, body string) bot.TurnKey {
	h := sha256.Sum256([]byte(body))
	return bot.TurnKey{Key: key, BodyHash: h[:]}
}

func begin(t *testing.T, s bot.Store, conversationID, text, key string) bot.Message {
	t.Helper()
	m := userMessage(conversationID, text)
	prior, err := s.BeginTurn(ctxFor(t), &m, keyFor(key, text))
	require.NoError(t, err)
	require.Nil(t, prior, "a new turn")
	return m
}

func all(t *testing.T, s bot.Store, conversationID string) []bot.Message {
	t.Helper()
	ms, err := s.Messages(ctxFor(t), conversationID, 0, 10000)
	require.NoError(t, err)
	return ms
}

func seqs(ms []bot.Message) []int64 {
	out := make([]int64, len(ms))
	for i, m := range ms {
		out[i] = m.Seq
	}
	return out
}

// assertSameMessage compares messages, CreatedAt by instant, nil and empty lists alike.
func assertSameMessage(t *testing.T, want, got bot.Message, msgAndArgs ...any) {
	t.Helper()
	assert.True(t, want.CreatedAt.Equal(got.CreatedAt), "created_at: want %v, got %v", want.CreatedAt, got.CreatedAt)
	assert.Equal(t, plainMessage(want), plainMessage(got), msgAndArgs...)
}

func plainMessage(m bot.Message) bot.Message {
	m.CreatedAt = time.Time{}
	if m.Citations == nil {
		m.Citations = []bot.Citation{}
	}
	if m.Suggestions == nil {
		m.Suggestions = []string{}
	}
	return m
}

func assertSameConversation(t *testing.T, want, got bot.Conversation, msgAndArgs ...any) {
	t.Helper()
	assert.True(t, want.CreatedAt.Equal(got.CreatedAt), "created_at: want %v, got %v", want.CreatedAt, got.CreatedAt)
	assert.True(t, want.UpdatedAt.Equal(got.UpdatedAt), "updated_at: want %v, got %v", want.UpdatedAt, got.UpdatedAt)
	want.CreatedAt, want.UpdatedAt, got.CreatedAt, got.UpdatedAt = time.Time{}, time.Time{}, time.Time{}, time.Time{}
	assert.Equal(t, want, got, msgAndArgs...)
}
