package bot_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/faqbot/faqbot/bot"
)

// BenchmarkGroupGaps groups a full window (bot.MaxGapRows gaps): 50 topics asked in a few
// wordings each, half Chinese, half English, plus one-off questions.
func BenchmarkGroupGaps(b *testing.B) {
	zh := []string{"怎么%s", "%s怎么操作", "如何%s", "%s一直失败", "我想%s"}
	en := []string{"how do I %s", "how to %s", "can't %s", "%s is not working", "I want to %s"}
	var gaps []bot.Gap
	t0 := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)
	for i := 0; len(gaps) < bot.MaxGapRows; i++ {
		topic := i % 50
		var q, lang string
		if i%2 == 0 {
			q, lang = fmt.Sprintf(zh[i%len(zh)], fmt.Sprintf("操作项目%d", topic)), "zh"
		} else {
			q, lang = fmt.Sprintf(en[i%len(en)], fmt.Sprintf("configure widget%d", topic)), "en"
		}
		if i%10 == 0 {
			q = fmt.Sprintf("one-off question number %d about thing%d", i, i)
		}
		gaps = append(gaps, bot.Gap{Question: q, Language: lang, Reason: bot.GapLowConfidence, CreatedAt: t0.Add(-time.Duration(i) * time.Minute)})
	}
	b.Run("topics", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			bot.GroupGaps(gaps)
		}
	})
	// The worst case for the index: every question shares a word with every other, and no
	// two are alike enough to group.
	distinct := make([]bot.Gap, bot.MaxGapRows)
	for i := range distinct {
		distinct[i] = bot.Gap{Question: fmt.Sprintf("account alpha%d beta%d gamma%d", i, i, i), Language: "en",
			Reason: bot.GapHandoff, CreatedAt: t0.Add(-time.Duration(i) * time.Minute)}
	}
	b.Run("distinct", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if n := len(bot.GroupGaps(distinct)); n != bot.MaxGapRows {
				b.Fatalf("%d groups", n)
			}
		}
	})
}
