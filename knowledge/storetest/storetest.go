// Package storetest is the contract every knowledge.Store passes: the in-memory store and the
// PostgreSQL store run the same suite, so the service cannot tell them apart. Ranking is
// checked against Reference, a brute-force reading of knowledge.SearchQuery, to 1e-6.
package storetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/faqbot/faqbot/knowledge"
)

// Tolerance is how close two stores' scores must be.
const Tolerance = 1e-6

// Run runs the contract suite. newStore returns a fresh, empty store for each subtest; it may
// register cleanups on the t it is given.
func Run(t *testing.T, newStore func(t *testing.T) knowledge.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s knowledge.Store)
	}{
		{"CreateAndGet", testCreateAndGet},
		{"UpdateVersionsAndHistory", testUpdate},
		{"ConcurrentUpdatesOneWins", testConcurrentUpdates},
		{"Delete", testDelete},
		{"ListFiltersAndPages", testList},
		{"UpsertCreatesAndUpdates", testUpsert},
		{"UpsertAllOrNothing", testUpsertAllOrNothing},
		{"SearchPublishedOnly", testSearchPublishedOnly},
		{"SearchCategoryFilter", testSearchCategory},
		{"SearchLanguageBonus", testSearchLanguageBonus},
		{"SearchRejectsBadLimits", testSearchLimits},
		{"SearchOmitsLexicalOnlySimilarity", testOmitLexicalOnlySimilarity},
		{"SearchMeanwhile", testSearchMeanwhile},
		{"RankingMatchesReference", testRanking},
		{"EnsureModel", testEnsureModel},
		{"EnsureModelSeesUnrecordedVectors", testEnsureModelUnrecorded},
		{"Reindex", testReindex},
		{"ReindexFailureChangesNothing", testReindexFailure},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.fn(t, newStore(t))
		})
	}
}

func ctxFor(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// testModel is the model of the suite's hand-made four-dimensional vectors.
var testModel = knowledge.EmbeddingModel{Name: "storetest-4d", Dimensions: 4}

// newArticle returns a normalized, valid article.
func newArticle(ext, lang, category string, status knowledge.Status, question, answer string, similar ...string) knowledge.Article {
	a := knowledge.Article{
		ExternalID: ext, Question: question, Answer: answer, SimilarQuestions: similar,
		Category: category, Language: lang, Status: status, Tags: []string{"t-" + category},
	}
	a.Normalize()
	if err := a.Validate(); err != nil {
		panic(fmt.Sprintf("storetest fixture %q: %v", question, err))
	}
	return a
}

// chunked splits a as the service does and gives chunk i the vector vecs[i] (vecs may be
// shorter: the rest stay without a vector).
func chunked(a knowledge.Article, vecs ...[]float32) []knowledge.Chunk {
	chunks := knowledge.ChunkArticle(a)
	for i := range chunks {
		if i < len(vecs) {
			chunks[i].Embedding = vecs[i]
		}
	}
	return chunks
}

// axis is a unit-ish vector leaning to dimension i, distinct per (i, j).
func axis(i, j int) []float32 {
	v := []float32{0.1, 0.1, 0.1, 0.1}
	v[i%4] = 1
	v[(i+1+j)%4] += 0.25 * float32(j+1)
	return v
}

func create(t *testing.T, s knowledge.Store, a knowledge.Article, chunks []knowledge.Chunk) knowledge.Article {
	t.Helper()
	require.NoError(t, s.CreateArticle(ctxFor(t), &a, chunks))
	return a
}

// assertSameArticle compares what a store returned with what it was given, times included.
func assertSameArticle(t *testing.T, want, got knowledge.Article, msgAndArgs ...any) {
	t.Helper()
	assert.True(t, want.CreatedAt.Equal(got.CreatedAt), "created_at: want %v, got %v", want.CreatedAt, got.CreatedAt)
	assert.True(t, want.UpdatedAt.Equal(got.UpdatedAt), "updated_at: want %v, got %v", want.UpdatedAt, got.UpdatedAt)
	want.CreatedAt, want.UpdatedAt, got.CreatedAt, got.UpdatedAt = time.Time{}, time.Time{}, time.Time{}, time.Time{}
	assert.Equal(t, want, got, msgAndArgs...)
}
