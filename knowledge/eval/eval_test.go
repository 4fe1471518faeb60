package eval_test

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/faqbot/faqbot/knowledge"
	"github.com/faqbot/faqbot/knowledge/eval"
	"github.com/faqbot/faqbot/knowledge/memory"
)

func TestRun(t *testing.T) {
	ctx := context.Background()
	store := memory.New()
	rep, err := eval.Run(ctx, eval.Options{FAQs: "testdata/faqs.jsonl", Queries: "testdata/queries.jsonl", Store: store})
	require.NoError(t, err)

	assert.Equal(t, "testdata", rep.Set)
	assert.Equal(t, "en", rep.Language)
	assert.Equal(t, 4, rep.FAQs)
	assert.Equal(t, 5, rep.Queries)
	assert.Equal(t, 2, rep.Unanswerable)
	assert.Equal(t, 1.0, rep.Hybrid.HitAt1, "three easy paraphrases")
	assert.Equal(t, 1.0, rep.Hybrid.MRRAt10)
	assert.InDelta(t, 1.0, rep.AbstainAUROC, 1e-9, "unrelated questions get less confidence")
	assert.True(t, math.IsNaN(rep.ConfidenceAUROC), "no wrong top-1 to compare with")
	require.Len(t, rep.Results, 5)
	assert.Equal(t, "pin", rep.Results[0].Got)
	assert.Equal(t, 1, rep.Results[0].Rank)
	assert.Empty(t, rep.Results[3].Want)

	n, err := store.CountArticles(ctx)
	require.NoError(t, err)
	assert.Equal(t, 4, n, "the FAQs went through the real import")
	got, _, err := store.ListArticles(ctx, knowledge.ListFilter{Limit: 10})
	require.NoError(t, err)
	assert.Equal(t, "Where is my refund?", got[1].Answer, "a null answer takes the question")
	assert.Equal(t, "Change PIN", got[0].Title)
	assert.Equal(t, "account", got[3].Category)

	var out strings.Builder
	require.NoError(t, rep.WriteText(&out))
	for _, want := range []string{"hybrid (bot)", "BM25 baseline", "hit@1", "abstain AUROC 1.000", "threshold 0.85"} {
		assert.Contains(t, out.String(), want)
	}

	_, err = eval.Run(ctx, eval.Options{FAQs: "testdata/faqs.jsonl", Queries: "testdata/queries.jsonl", Store: store})
	assert.Error(t, err, "a store that already holds the FAQs would skew the figures")
}

func TestRunWithhold(t *testing.T) {
	rep, err := eval.Run(context.Background(), eval.Options{FAQs: "testdata/faqs.jsonl",
		Queries: "testdata/queries.jsonl", Withhold: 0.6})
	require.NoError(t, err)
	assert.Less(t, rep.FAQs, 4, "some FAQs left out")
	assert.Greater(t, rep.Unanswerable, 2, "their queries cannot be answered")
	assert.Equal(t, rep.Queries, len(rep.Results))
}

func TestRunBadInput(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, []byte(body), 0o600))
		return p
	}
	faqs := write("faqs.jsonl", `{"id":"a","question":"q"}`+"\n")
	tests := []struct {
		name    string
		opts    eval.Options
		wantErr string
	}{
		{"missing paths", eval.Options{}, "both an FAQ file and a queries file"},
		{"no such file", eval.Options{FAQs: filepath.Join(dir, "nope"), Queries: faqs}, "no such file"},
		{"broken json", eval.Options{FAQs: write("bad.jsonl", "{\n"), Queries: faqs}, "line 1"},
		{"duplicate id", eval.Options{FAQs: write("dup.jsonl", `{"id":"a","question":"q"}`+"\n"+`{"id":"a","question":"r"}`), Queries: faqs}, `id "a" already on line 1`},
		{"unknown faq", eval.Options{FAQs: faqs, Queries: write("q.jsonl", `{"query":"x","faq_id":"zzz"}`)}, `faq_id "zzz" is not in the FAQ file`},
		{"bad withhold", eval.Options{FAQs: faqs, Queries: faqs, Withhold: 1}, "withhold"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := eval.Run(context.Background(), tt.opts)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.wantErr)
		})
	}
}
