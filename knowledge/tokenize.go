package knowledge

import (
	"strings"
	"unicode"

	"golang.org/x/text/width"
)

// Tokenize returns the lexical terms of a text: Chinese (Han) characters as unigrams and
// bigrams of neighbouring characters, other letters and digits as lowercase words. Full-width
// forms are folded to half-width first. The result is de-duplicated, in first-seen order.
func Tokenize(text string) []string {
	toks := Tokens(text)
	seen := make(map[string]bool, len(toks))
	out := toks[:0]
	for _, t := range toks {
		if !seen[t] {
			seen[t] = true
			out = append(out, t)
		}
	}
	return out
}

// Tokens is Tokenize without de-duplication: every occurrence, in order.
func Tokens(text string) []string {
	text = width.Fold.String(text)
	var out []string
	var word strings.Builder
	flush := func() {
		if word.Len() > 0 {
			out = append(out, word.String())
			word.Reset()
		}
	}
	var prevHan rune
	for _, r := range text {
		switch {
		case unicode.Is(unicode.Han, r):
			flush()
			out = append(out, string(r))
			if prevHan != 0 {
				out = append(out, string(prevHan)+string(r))
			}
			prevHan = r
			continue
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			word.WriteRune(unicode.ToLower(r))
		default:
			flush()
		}
		prevHan = 0
	}
	flush()
	return out
}
