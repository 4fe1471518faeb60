package sentiment_test

import (
	"context"
	"testing"
	"unicode/utf8"

	"github.com/faqbot/faqbot/bot/sentiment"
)

// FuzzAnalyze: whatever a user types, the analyzer returns a label in the set and a score in
// [-1, 1] that agrees with it, and does not panic.
func FuzzAnalyze(f *testing.F) {
	for _, seed := range []string{
		"", " ", "!!!???", "[怒]", "[", "[[[]]]", "f*ck", "f**********", "*", "**f", "a$$", "sh1t",
		"f u c k", "ＴＨＩＳ ＩＳ ＲＩＤＩＣＵＬＯＵＳ！！", "你们这什么破平台，钱都扣了还不到账！",
		"第三次问了，到底有没有人管", "我不生气，就是问问", "not bad", "靠", "2010年4月7日", "哈哈哈哈哈哈",
		"我要睡觉我要睡觉我要睡觉", "don't", "'''", "\x00\xff\xfe", "😡🤬👍", "傻b", "tm的",
		"I've asked three times and nobody answers", "still not working", "fuuuuuuuuuuuuuuck",
	} {
		f.Add(seed)
	}
	lex := sentiment.NewLexicon()
	f.Fuzz(func(t *testing.T, text string) {
		r, err := lex.Analyze(context.Background(), text)
		if err != nil {
			t.Fatalf("Analyze(%q) failed: %v", text, err)
		}
		if !r.Label.Valid() {
			t.Fatalf("Analyze(%q) label %q is not in the set", text, r.Label)
		}
		if !(r.Score >= -1 && r.Score <= 1) {
			t.Fatalf("Analyze(%q) score %v is outside [-1, 1]", text, r.Score)
		}
		if (r.Label == sentiment.LabelAngry || r.Label == sentiment.LabelNegative) && r.Score >= 0 {
			t.Fatalf("Analyze(%q) %s with score %v", text, r.Label, r.Score)
		}
		if r.Label == sentiment.LabelPositive && r.Score <= 0 {
			t.Fatalf("Analyze(%q) positive with score %v", text, r.Score)
		}
		for _, s := range r.Signals {
			if s == "" || !utf8.ValidString(s) {
				t.Fatalf("Analyze(%q) bad signal %q", text, s)
			}
		}
	})
}
