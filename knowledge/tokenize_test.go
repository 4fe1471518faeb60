package knowledge_test

import (
	"context"
	"math"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"

	"github.com/faqbot/faqbot/knowledge"
)

func TestTokens(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []string
	}{
		{"chinese unigrams and bigrams", "花呗还款", []string{"花", "呗", "花呗", "还", "呗还", "款", "还款"}},
		{"punctuation breaks bigrams", "花呗，还款", []string{"花", "呗", "花呗", "还", "款", "还款"}},
		{"mixed script", "VIP会员", []string{"vip", "会", "员", "会员"}},
		{"full width folded", "ＶＩＰ　１２３", []string{"vip", "123"}},
		{"plurals and tenses fold", "Cards charged charging charges", []string{"card", "charg", "charg", "charg"}},
		{"doubled consonant", "topped topping", []string{"top", "top"}},
		{"ies and ied", "policies verified", []string{"policy", "verify"}},
		{"short and special words stay", "is this status bus news", []string{"is", "this", "status", "bus", "new"}},
		{"contractions", "I'm sure it isn't, can't, won't, card's", []string{"i", "am", "sure", "it", "is", "not", "can", "not", "will", "not", "card"}},
		{"curly apostrophe", "don’t", []string{"do", "not"}},
		{"missing apostrophe", "didnt arrive", []string{"did", "not", "arriv"}},
		{"hyphen keeps joined form", "top-up", []string{"top", "up", "topup"}},
		{"digit groups", "£1,000.50 or 3.5%", []string{"1000.50", "or", "3.5"}},
		{"digits next to han", "还款1000元", []string{"还", "款", "还款", "1000", "元"}},
		{"japanese kana as characters", "カード", []string{"カ", "ー", "カー", "ド", "ード"}},
		{"other spaced scripts are words", "Привет мир", []string{"привет", "мир"}},
		{"empty", " ,.!? ", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, knowledge.Tokens(tt.in))
		})
	}
}

func TestTokenizeDeduplicates(t *testing.T) {
	assert.Equal(t, []string{"card", "my"}, knowledge.Tokenize("card cards my card"))
}

func TestTokenizeChineseVariantsMeet(t *testing.T) {
	tests := []struct{ a, b string }{
		{"为啥不能用", "为什么不能用"},
		{"到帐", "到账"},
		{"花唄", "花呗"},
	}
	for _, tt := range tests {
		assert.Equal(t, knowledge.Tokens(tt.b), knowledge.Tokens(tt.a), "%s vs %s", tt.a, tt.b)
	}
}

var fuzzEmbedder = knowledge.NewLocalEmbedder(64)

func FuzzTokenize(f *testing.F) {
	for _, s := range []string{"花呗还款", "VIP会员 isn't top-up 1,000.50", "ＡＢＣ！", "don't", "a'b'c", "--x--",
		"\xff\xfe", "カード", "l'homme d'affaires", "9.9.9", "'", "top-up-", "x-'y"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		toks := knowledge.Tokens(s)
		for _, tok := range toks {
			if tok == "" {
				t.Fatalf("empty token from %q", s)
			}
			if !utf8.ValidString(tok) {
				t.Fatalf("invalid UTF-8 token %q from %q", tok, s)
			}
		}
		terms := knowledge.Tokenize(s)
		seen := make(map[string]bool)
		for _, term := range terms {
			if seen[term] {
				t.Fatalf("duplicate term %q from %q", term, s)
			}
			seen[term] = true
		}
		for _, tok := range toks {
			if !seen[tok] {
				t.Fatalf("token %q missing from the terms of %q", tok, s)
			}
		}
		// The embedder reads the same tokens: whatever the text, a unit vector.
		vecs, err := fuzzEmbedder.Embed(context.Background(), []string{s})
		if err != nil {
			t.Fatal(err)
		}
		if n := norm(vecs[0]); math.Abs(n-1) > 1e-5 {
			t.Fatalf("vector of %q has length %v", s, n)
		}
	})
}
