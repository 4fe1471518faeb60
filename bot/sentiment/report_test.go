package sentiment_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/faqbot/faqbot/bot/sentiment"
)

// evalDir finds the labelled sets: FAQBOT_EVAL_DIR, or ../shared/eval beside the repository.
// The sets are not part of the repository (their licences forbid shipping them).
func evalDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("FAQBOT_EVAL_DIR")
	if dir == "" {
		dir = filepath.Join("..", "..", "..", "shared", "eval")
	}
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("no evaluation sets at %s (set FAQBOT_EVAL_DIR to the folder holding emotion_*/emotion.jsonl)", dir)
	}
	return dir
}

// TestReportAngerF1 measures the offline analyzer on the development sets and holds the
// target: angry-vs-rest F1 of at least 0.75 on each.
func TestReportAngerF1(t *testing.T) {
	dir := evalDir(t)
	lex := sentiment.NewLexicon()
	for _, set := range []string{"emotion_zh_smp2020ewect", "emotion_en_goemotions"} {
		t.Run(set, func(t *testing.T) {
			path := filepath.Join(dir, set, "emotion.jsonl")
			if _, err := os.Stat(path); err != nil {
				t.Skipf("%s not present", path)
			}
			rep, err := sentiment.Evaluate(context.Background(), lex, path)
			require.NoError(t, err)
			var b strings.Builder
			rep.WriteText(&b)
			t.Log("\n" + b.String())
			assert.GreaterOrEqual(t, rep.F1, 0.75, "angry-vs-rest F1 target")
		})
	}
}
