package knowledge

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/width"
)

// Tokenize returns the lexical terms of a text, de-duplicated in first-seen order: characters
// of scripts written without spaces (Chinese, Japanese kana, Thai, ...) as unigrams and bigrams
// of neighbours, other letters and digits as normalised lowercase words (see Tokens).
func Tokenize(text string) []string {
	toks := Tokens(text)
	seen := make(map[string]struct{}, len(toks))
	out := toks[:0]
	for _, t := range toks {
		if _, dup := seen[t]; !dup {
			seen[t] = struct{}{}
			out = append(out, t)
		}
	}
	return out
}

// Tokens is Tokenize without de-duplication: every occurrence, in order. Full-width forms are
// folded to half-width and a few variant Chinese spellings to one (为啥 -> 为什么, 帐 -> 账);
// words are lowercased, contractions expanded ("isn't" -> is, not), light English suffixes
// folded (cards/carding/carded -> card), hyphenated words also kept joined (top-up -> top, up,
// topup), and digit groups kept whole ("1,000" -> 1000).
func Tokens(text string) []string {
	var out []string
	scanTokens(text, func(t token) { out = append(out, t.text) })
	return out
}

type tokenKind uint8

const (
	tokWord   tokenKind = iota // a normalised word of a script written with spaces
	tokChar                    // one character of a script written without spaces
	tokBigram                  // two neighbouring such characters
)

type token struct {
	kind tokenKind
	text string // the term
	raw  string // words only: the lowercase surface form before suffix folding
}

// scanTokens calls emit for every token of text, in order. Terms are slices of the folded
// text where possible, so scanning allocates little.
func scanTokens(text string, emit func(token)) {
	if !isASCII(text) {
		text = width.Fold.String(text)
		if strings.ContainsAny(text, variantStarts) {
			text = variantFold.Replace(text)
		}
	}
	prevStart, prevEnd := -1, -1
	for i := 0; i < len(text); {
		r, size := utf8.DecodeRuneInString(text[i:])
		switch {
		case isCharScript(r):
			emit(token{kind: tokChar, text: text[i : i+size]})
			if prevEnd == i {
				emit(token{kind: tokBigram, text: text[prevStart : i+size]})
			}
			prevStart, prevEnd = i, i+size
			i += size
		case isWordRune(r):
			end := wordEnd(text, i)
			emitWord(text[i:end], emit)
			i = end
		default:
			i += size
		}
	}
}

// isCharScript reports runes of scripts whose words are not separated by spaces; they are
// indexed by character n-grams instead of words.
func isCharScript(r rune) bool {
	if r < 0x0E00 {
		return false
	}
	return unicode.Is(unicode.Han, r) || r == 'ー' || unicode.In(r, unicode.Hiragana, unicode.Katakana,
		unicode.Thai, unicode.Lao, unicode.Khmer, unicode.Myanmar)
}

func isWordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r) || unicode.Is(unicode.Mc, r)
}

// wordEnd returns where the word starting at i ends. Apostrophes between letters, hyphens
// between letters or digits, and '.' or ',' between digits stay inside the word.
func wordEnd(text string, i int) int {
	var prev rune
	for i < len(text) {
		r, size := utf8.DecodeRuneInString(text[i:])
		if isWordRune(r) && !isCharScript(r) {
			prev = r
			i += size
			continue
		}
		next, _ := utf8.DecodeRuneInString(text[i+size:])
		joins := false
		switch r {
		case '\'', '’':
			joins = unicode.IsLetter(prev) && unicode.IsLetter(next) && !isCharScript(next)
		case '-':
			joins = isWordRune(next) && !isCharScript(next)
		case '.', ',':
			joins = unicode.IsDigit(prev) && unicode.IsDigit(next)
		}
		if !joins {
			break
		}
		prev = r
		i += size
	}
	return i
}

// emitWord normalises one word span and emits its terms.
func emitWord(span string, emit func(token)) {
	w := strings.ToLower(span)
	if strings.ContainsRune(w, '-') {
		parts := strings.Split(w, "-")
		for _, p := range parts {
			emitWord(p, emit)
		}
		emitWord(strings.Join(parts, ""), emit)
		return
	}
	if strings.ContainsRune(w, ',') {
		w = strings.ReplaceAll(w, ",", "")
	}
	if strings.ContainsAny(w, "'’") {
		emitContraction(strings.ReplaceAll(w, "’", "'"), emit)
		return
	}
	if base, ok := negations[w]; ok {
		emitPlain(base, emit)
		emitPlain("not", emit)
		return
	}
	emitPlain(w, emit)
}

// negations are contractions commonly typed without the apostrophe.
var negations = map[string]string{
	"dont": "do", "doesnt": "does", "didnt": "did", "isnt": "is", "arent": "are", "wasnt": "was",
	"werent": "were", "cant": "can", "cannot": "can", "wont": "will", "havent": "have", "hasnt": "has",
	"hadnt": "had", "couldnt": "could", "wouldnt": "would", "shouldnt": "should",
}

var contractionSuffix = map[string]string{"m": "am", "re": "are", "ve": "have", "ll": "will", "d": "would"}

// emitContraction expands "isn't", "I'm", "we've", ...; a possessive or "'s" keeps the base.
func emitContraction(w string, emit func(token)) {
	parts := strings.Split(w, "'")
	base, suffix := parts[0], parts[len(parts)-1]
	switch {
	case suffix == "t" && strings.HasSuffix(base, "n"):
		switch base {
		case "can":
		case "won":
			base = "will"
		case "shan":
			base = "shall"
		case "ain":
			base = ""
		default:
			base = base[:len(base)-1]
		}
		emitPlain(base, emit)
		emitPlain("not", emit)
	case suffix == "s":
		emitPlain(base, emit)
	case contractionSuffix[suffix] != "":
		emitPlain(base, emit)
		emitPlain(contractionSuffix[suffix], emit)
	default:
		for _, p := range parts {
			emitPlain(p, emit)
		}
	}
}

func emitPlain(w string, emit func(token)) {
	if w == "" {
		return
	}
	emit(token{kind: tokWord, text: stem(w), raw: w})
}

// stem folds the common English inflections so that a word and its plural, -ed and -ing
// forms meet: charge, charges, charged, charging -> charg. It is deliberately light (no
// derivational suffixes) and leaves short words, digits and non-ASCII words alone.
func stem(w string) string {
	n := len(w)
	if n <= 3 || !isLowerASCII(w) {
		return w
	}
	switch {
	case strings.HasSuffix(w, "ies") && n > 4:
		w = w[:n-3] + "y"
	case strings.HasSuffix(w, "sses"), strings.HasSuffix(w, "xes"), strings.HasSuffix(w, "ches"),
		strings.HasSuffix(w, "shes"):
		w = w[:n-2]
	case strings.HasSuffix(w, "s"):
		if !strings.HasSuffix(w, "ss") && !strings.HasSuffix(w, "us") && !strings.HasSuffix(w, "is") &&
			!strings.HasSuffix(w, "as") && !strings.HasSuffix(w, "os") {
			w = w[:n-1]
		}
	case strings.HasSuffix(w, "ied") && n > 4:
		w = w[:n-3] + "y"
	case strings.HasSuffix(w, "eed"):
	case strings.HasSuffix(w, "ed") && n > 4 && hasVowel(w[:n-2]):
		w = undouble(w[:n-2])
	case strings.HasSuffix(w, "ing") && n > 5 && hasVowel(w[:n-3]):
		w = undouble(w[:n-3])
	}
	if n := len(w); n > 4 && w[n-1] == 'e' && w[n-2] != 'e' {
		w = w[:n-1]
	}
	return w
}

func isLowerASCII(w string) bool {
	for i := 0; i < len(w); i++ {
		if w[i] < 'a' || w[i] > 'z' {
			return false
		}
	}
	return true
}

func hasVowel(w string) bool { return strings.ContainsAny(w, "aeiouy") }

// undouble turns "stopp" (from stopped) into "stop"; l, s and z stay doubled (called, missed).
func undouble(w string) string {
	n := len(w)
	if n >= 2 && w[n-1] == w[n-2] && !strings.ContainsRune("aeioulsz", rune(w[n-1])) {
		return w[:n-1]
	}
	return w
}

// variantFold maps colloquial and variant spellings of Chinese function words and characters
// to one form, so that two wordings of a question meet. variantStarts lists the first
// characters of what it replaces, so that most texts skip it.
var variantFold = strings.NewReplacer(
	"为啥", "为什么", "为何", "为什么", "咋", "怎么", "啥", "什么", "如何", "怎么", "怎样", "怎么",
	"能否", "能不能", "可否", "可不可以", "帐", "账", "唄", "呗", "麽", "么",
)

const variantStarts = "为咋啥如怎能可帐唄麽"

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}
