package eval_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/faqbot/faqbot/knowledge/eval"
)

// TestDevSets measures the labeled development sets when FAQBOT_EVAL_DIR points at them
// (the folder holding faq_zh_atec/ and faq_en_banking77/), and holds the quality targets of
// docs/quality.md: hit@1 at least 1.1x the BM25 baseline, hit@5 not below it.
//
//	FAQBOT_EVAL_DIR=/work/shared/eval go test ./knowledge/eval -run TestDevSets -v
func TestDevSets(t *testing.T) {
	dir := os.Getenv("FAQBOT_EVAL_DIR")
	if dir == "" {
		t.Skip("FAQBOT_EVAL_DIR is not set: no labeled set to measure")
	}
	for _, set := range []string{"faq_zh_atec", "faq_en_banking77"} {
		t.Run(set, func(t *testing.T) {
			rep, err := eval.Run(context.Background(), eval.Options{
				FAQs:    filepath.Join(dir, set, "faqs.jsonl"),
				Queries: filepath.Join(dir, set, "queries.jsonl"),
			})
			require.NoError(t, err)
			var b strings.Builder
			require.NoError(t, rep.WriteText(&b))
			t.Log("\n" + b.String())
			if os.Getenv("FAQBOT_EVAL_MISSES") != "" {
				for _, r := range rep.Results {
					if r.Rank != 1 {
						t.Logf("rank %d (bm25 %d) conf %.2f want %s got %s: %s", r.Rank, r.BaselineRank, r.Confidence, r.Want, r.Got, r.Query)
					}
				}
			}
			assert.GreaterOrEqual(t, rep.Hybrid.HitAt1, 1.1*rep.Baseline.HitAt1, "hit@1 vs BM25")
			assert.GreaterOrEqual(t, rep.Hybrid.HitAt5, rep.Baseline.HitAt5, "hit@5 vs BM25")
		})
	}
}
