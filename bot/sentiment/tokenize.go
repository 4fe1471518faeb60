package sentiment

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// maxRunes bounds the work per message: a chat message longer than this is judged by its
// beginning.
const maxRunes = 2000

// token is one unit of a message after segmentation.
type token struct {
	e        *entry // nil for a word or character the lexicon does not know
	text     string // the term as matched
	boundary bool   // punctuation that ends a clause: negation and intensifiers stop here
	han      bool   // a Chinese term
}

// folder folds full-width forms and typographic quotes so that "！", "？" and "don’t" match
// their plain forms, and rewrites mixed-script spellings of Chinese profanity.
var folder = strings.NewReplacer(
	"’", "'", "‘", "'", "`", "'", "´", "'",
	"傻b", "傻逼", "傻x", "傻逼", "煞b", "傻逼", "沙b", "傻逼", "牛b", "牛逼", "装b", "装逼",
	"二b", "二逼", "tm的", "他妈的", "tmd的", "他妈的",
)

// normalize lowercases, folds full-width ASCII to half-width and Traditional Chinese to
// Simplified.
func normalize(text string) string {
	var b strings.Builder
	b.Grow(len(text))
	for _, r := range text {
		switch {
		case r >= 0xFF01 && r <= 0xFF5E:
			r -= 0xFEE0
		case r == 0x3000:
			r = ' '
		case r == '。' || r == '…':
			r = '.'
		case r == '～':
			r = '~'
		case r >= 0x4E00:
			if simplified, ok := traditional[r]; ok {
				r = simplified
			}
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return folder.Replace(b.String())
}

func isHan(r rune) bool { return unicode.Is(unicode.Han, r) }

// isBoundary reports clause-ending punctuation.
func isBoundary(r rune) bool {
	switch r {
	case '.', '!', '?', ',', ';', ':', '~', '、', '，', '；', '：', '\n', '(', ')', '"', '“', '”', '「', '」', '《', '》', '【', '】':
		return true
	}
	return false
}

// isWordRune: letters of alphabetic scripts, digits, and the symbols people put inside a
// word to dodge filters ("f*ck", "$hit", "a$$", "sh1t").
func isWordRune(r rune) bool {
	if r == '\'' || r == '*' || r == '$' || r == '@' || r == '#' {
		return true
	}
	return (unicode.IsLetter(r) || unicode.IsDigit(r)) && !isHan(r) && !isOtherCJK(r)
}

// isOtherCJK: Japanese kana and Korean, written without spaces like Chinese; they are not
// words of the English lexicon.
func isOtherCJK(r rune) bool {
	return unicode.In(r, unicode.Hiragana, unicode.Katakana, unicode.Hangul)
}

// lexicon lookups: one dictionary for Chinese (keys in runes), one for English and the
// pinyin initialisms Chinese users type (keys in words), plus emoji.
type tokenizer struct {
	zh, en dictionary
	emoji  map[rune]*entry
	codes  map[string]*entry // Weibo-style codes: "[怒]"
}

// tokenize splits a normalised message into tokens. English words are collected and then
// matched as phrases, so "shut up" and "what the hell" are one term each.
func (tk *tokenizer) tokenize(s string) []token {
	toks := make([]token, 0, len(s)/2)
	var pending []string // English words waiting for phrase matching
	flush := func() {
		if len(pending) > 0 {
			toks = tk.matchWords(toks, pending)
			pending = pending[:0]
		}
	}
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == '[':
			if j := strings.IndexByte(s[i+1:min(len(s), i+1+30)], ']'); j > 0 {
				if e := tk.codes[s[i+1:i+1+j]]; e != nil {
					flush()
					toks = append(toks, token{e: e})
					i += j + 2
					continue
				}
			}
			i += size
		case isHan(r):
			flush()
			j := i
			for j < len(s) {
				r2, n := utf8.DecodeRuneInString(s[j:])
				if !isHan(r2) {
					break
				}
				j += n
			}
			prev, _ := utf8.DecodeLastRuneInString(s[:i])
			next, _ := utf8.DecodeRuneInString(s[j:])
			free := (i == 0 || !isWordRune(prev)) && (j == len(s) || !isWordRune(next))
			toks = tk.segment(toks, s[i:j], free)
			i = j
		case isWordRune(r):
			j := i
			for j < len(s) {
				r2, n := utf8.DecodeRuneInString(s[j:])
				if !isWordRune(r2) {
					break
				}
				j += n
			}
			if w := strings.Trim(s[i:j], "'*#"); w != "" {
				pending = append(pending, w)
			}
			i = j
		case isBoundary(r):
			flush()
			toks = append(toks, token{boundary: true})
			i += size
		default:
			if e := tk.emoji[r]; e != nil {
				flush()
				toks = append(toks, token{e: e})
			}
			i += size
		}
	}
	flush()
	return toks
}

// segment cuts a run of Han characters into lexicon terms, choosing the cut with the fewest
// pieces where an unknown character costs more than a known term: "太过分" is 太 + 过分, and
// "不生气" is 不 + 生气, so negation can see the feeling it negates. free says whether the
// run stands apart from letters and digits, which a term that must stand alone requires.
func (tk *tokenizer) segment(toks []token, run string, free bool) []token {
	// Byte offsets of rune starts, plus the end.
	offs := make([]int, 0, len(run)/3+1)
	for i := range run {
		offs = append(offs, i)
	}
	offs = append(offs, len(run))
	n := len(offs) - 1
	const unknownCost = 1.6
	cost := make([]float64, n+1)
	next := make([]int, n+1)   // end of the piece that starts at i
	known := make([]bool, n+1) // whether that piece is a term
	for i := n - 1; i >= 0; i-- {
		cost[i], next[i], known[i] = cost[i+1]+unknownCost, i+1, false
		for l := min(tk.zh.maxLen, n-i); l >= 1; l-- {
			e := tk.zh.m[run[offs[i]:offs[i+l]]]
			if e == nil || (e.alone && (!free || i != 0 || i+l != n)) {
				continue
			}
			if c := cost[i+l] + 1; c < cost[i] {
				cost[i], next[i], known[i] = c, i+l, true
			}
		}
	}
	for i := 0; i < n; i = next[i] {
		text := run[offs[i]:offs[next[i]]]
		var e *entry
		if known[i] {
			e = tk.zh.m[text]
		}
		toks = append(toks, token{e: e, text: text, han: true})
	}
	return toks
}

// matchWords turns a run of English words into tokens, longest phrase first.
func (tk *tokenizer) matchWords(toks []token, words []string) []token {
	canon := make([]string, len(words))
	for i, w := range words {
		canon[i] = tk.canonical(w)
	}
	canon = joinSpelledOut(canon, tk.en.m)
	var key strings.Builder
	for i := 0; i < len(canon); {
		matched := false
		for l := min(tk.en.maxLen, len(canon)-i); l >= 2; l-- {
			key.Reset()
			for k := i; k < i+l; k++ {
				if k > i {
					key.WriteByte(' ')
				}
				key.WriteString(canon[k])
			}
			if e := tk.en.m[key.String()]; e != nil {
				toks = append(toks, token{e: e, text: key.String()})
				i += l
				matched = true
				break
			}
		}
		if !matched {
			toks = append(toks, token{e: tk.en.m[canon[i]], text: canon[i]})
			i++
		}
	}
	return toks
}

// joinSpelledOut joins letters typed apart ("f u c k") when the word they spell is known.
func joinSpelledOut(words []string, known map[string]*entry) []string {
	out := words[:0:0]
	for i := 0; i < len(words); {
		j := i
		for j < len(words) && len(words[j]) == 1 && words[j][0] >= 'a' && words[j][0] <= 'z' {
			j++
		}
		if j-i >= 3 {
			if w := strings.Join(words[i:j], ""); known[w] != nil {
				out = append(out, w)
				i = j
				continue
			}
		}
		if j == i {
			j++
		}
		out = append(out, words[i:j]...)
		i = j
	}
	return out
}

// leet undoes the digit and symbol swaps of filter dodging ("sh1t", "@ss", "$hit").
var leet = strings.NewReplacer("0", "o", "1", "i", "3", "e", "4", "a", "5", "s", "7", "t", "@", "a", "$", "s")

// canonical returns the dictionary spelling of a word when some spelling of it is known:
// as typed, with filter-dodging symbols undone, with stretched letters ("sooo", "fuuuck")
// shrunk, or without a plural s; otherwise the word as typed.
func (tk *tokenizer) canonical(w string) string {
	if tk.en.m[w] != nil {
		return w
	}
	if strings.ContainsAny(w, "*#") && len(w) <= 20 {
		if p := maskedProfanity(w); p != "" {
			return p
		}
	}
	if strings.ContainsAny(w, "013457@$") && strings.IndexFunc(w, unicode.IsLetter) >= 0 {
		if d := leet.Replace(w); tk.en.m[d] != nil {
			return d
		}
	}
	if s2, s1 := squeeze(w, 2), squeeze(w, 1); s2 != w {
		if tk.en.m[s2] != nil {
			return s2
		}
		if tk.en.m[s1] != nil {
			return s1
		}
	}
	if len(w) > 3 && strings.HasSuffix(w, "s") && !strings.HasSuffix(w, "ss") {
		if e := tk.en.m[w[:len(w)-1]]; e != nil && e.kind == kindTerm {
			return w[:len(w)-1]
		}
	}
	for _, root := range []string{"fuck", "shit"} {
		if strings.Contains(w, root) {
			return root
		}
	}
	return w
}

// squeeze shortens every run of one letter longer than n to n letters.
func squeeze(w string, n int) string {
	var b strings.Builder
	var prev rune
	run := 0
	for _, r := range w {
		if r == prev {
			run++
		} else {
			prev, run = r, 1
		}
		if run <= n {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// masked spellings are matched against these words only: a masked word is almost always
// one of them.
var maskable = []string{
	"fucking", "fucked", "fucker", "fuck", "motherfucker", "shitty", "shit", "bullshit",
	"bitch", "asshole", "cunt", "damn", "bastard", "dick", "crap", "piss", "pissed", "hell",
}

// maskedProfanity matches "f*ck", "f**king", "sh#t", "a**hole": a run of '*' or '#' stands
// for one or more letters; the first letter must be given.
func maskedProfanity(w string) string {
	if w == "" || w[0] == '*' || w[0] == '#' {
		return ""
	}
	for _, p := range maskable {
		if globMatch(w, p) {
			return p
		}
	}
	return ""
}

func globMatch(pattern, s string) bool {
	if pattern == "" {
		return s == ""
	}
	if pattern[0] == '*' || pattern[0] == '#' {
		rest := strings.TrimLeft(pattern, "*#")
		for k := 1; k <= len(s); k++ {
			if globMatch(rest, s[k:]) {
				return true
			}
		}
		return false
	}
	return s != "" && pattern[0] == s[0] && globMatch(pattern[1:], s[1:])
}
