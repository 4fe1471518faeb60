package sentiment

import (
	"regexp"
	"strings"
	"unicode"
)

// pattern is a regular expression run only when one of its hints occurs in the text, which
// keeps the common message, matching none, cheap.
type pattern struct {
	hints []string
	re    *regexp.Regexp
}

func (p pattern) match(s string) bool {
	for _, h := range p.hints {
		if strings.Contains(s, h) {
			return p.re.MatchString(s)
		}
	}
	return false
}

func matchAny(ps []pattern, s string) bool {
	for _, p := range ps {
		if p.match(s) {
			return true
		}
	}
	return false
}

// Repeated complaints: the user says they have asked before. These are patterns rather than
// terms because the count varies ("第三次", "问了5遍", "asked three times").
var repeatedPatterns = []pattern{
	{[]string{"次", "遍", "回"}, regexp.MustCompile(`第[二两三四五六七八九十几n\d]+[次遍回](了|问|说|找|打|催|联系|反映|申请|投诉|提交|发|咨询|来|重复|遇到|出现)`)},
	{[]string{"次", "遍", "回"}, regexp.MustCompile(`(已经|都|这是)第[二两三四五六七八九十几n\d]+[次遍回]`)},
	{[]string{"次", "遍", "回"}, regexp.MustCompile(`(问|说|讲|找|打|催|联系|反映|反馈|申请|投诉|提交|发|咨询|留言|私信|打电话|提了|报)了?(好|很)?(多少|几|[两三四五六七八九十百\d]+|无数|n|好几|很多|多)(次|遍|回)`)},
	{[]string{"等", "催", "拖", "耗"}, regexp.MustCompile(`(等|催|拖|耗)了?(好|整整|足足)?(多少|几|[两三四五六七八九十百\d]+|半|好几|好多|n)(个)?多?(个)?(天|小时|钟头|周|星期|礼拜|个月|月)`)},
	{[]string{"又一", "番", "反复", "屡次", "无数次", "多少次", "几次了", "多少遍", "每次都"}, regexp.MustCompile(`一次又一次|一遍又一遍|三番五次|三番两次|反反复复|屡次|无数次|多少次了|几次了|说了多少遍|每次都`)},
	{[]string{" times"}, regexp.MustCompile(`\b(asked|told|called|rang|emailed|e-mailed|messaged|texted|contacted|tried|written|wrote|reported|requested|complained|explained|said|sent|chatted|reached out|been here|waited|submitted|filed)\b( \w+){0,4} (twice|two|three|four|five|six|seven|eight|nine|ten|several|multiple|many|numerous|countless|\d+|a few|a dozen|a hundred|a million|so many|too many) times\b`)},
	{[]string{" time"}, regexp.MustCompile(`\bfor the (second|third|fourth|fifth|sixth|tenth|hundredth|umpteenth|nth|\d+(st|nd|rd|th)) time\b`)},
	{[]string{"times", "again", "over and over", " time "}, regexp.MustCompile(`\b(how many (more )?times|again and again|over and over|time and again|time after time|every single time|(third|fourth|fifth|\d+(st|nd|rd|th)) time (now|today|this week|this month)|same (answer|reply|response|thing|problem|issue) again)\b`)},
	{[]string{"wait"}, regexp.MustCompile(`\b(waiting|waited|been waiting) (for )?(over |more than |almost |nearly )?(\d+|two|three|four|five|six|several|many|a few) (hours|days|weeks|months)\b`)},
}

// Still unresolved: frustration, but alone not anger ("it still doesn't work").
var unresolvedPatterns = []pattern{
	{[]string{"again", "still"}, regexp.MustCompile(`\b(yet again|once again|still (waiting|not|no|nothing|haven't|hasn't|isn't|doesn't|don't|can't|cannot|didn't|won't|broken|the same))\b`)},
	{[]string{"还是", "一直", "仍然", "依然", "迟迟", "又"}, regexp.MustCompile(`还是(没|不|一样|老样子)|一直(没|不)|仍然(没|不)|依然(没|不)|迟迟(没|不)|又(出|坏|卡|扣|没|不)`)},
}

// surface adds what the lexicon cannot see: punctuation runs, shouting in capitals, repeated
// complaints and a phrase said over and over. original is the text as typed (for case),
// s its normalised form.
func (sc *scorer) surface(original, s string) {
	for i := range emoticons {
		if strings.Contains(s, emoticons[i].text) {
			e := &emoticons[i].e
			sc.val += e.val
			sc.ang += e.ang
			sc.signal(e.signal)
		}
	}
	prior := sc.ang > 0 || sc.val < 0 // any negative evidence from the words
	if matchAny(repeatedPatterns, s) {
		sc.ang += 1.0
		sc.val -= 0.5
		sc.signal(sigRepeated)
		prior = true
	}

	if matchAny(unresolvedPatterns, s) {
		sc.ang += 0.3
		sc.val -= 0.3
		sc.signal(sigUnresolved)
		prior = true
	}

	excl, exclRun := countRun(s, '!')
	ques, quesRun := countRun(s, '?')
	if prior && excl > 0 {
		sc.ang += 0.2 * float64(min(excl, 3))
		if exclRun >= 3 {
			sc.ang += 0.2
		}
		if excl >= 2 {
			sc.signal(sigExclaim)
		}
	}
	if quesRun >= 2 || strings.Contains(s, "?!") || strings.Contains(s, "!?") {
		if prior {
			sc.ang += 0.4
		} else {
			sc.ang += 0.3
		}
		sc.signal(sigExasperated)
	} else if prior && ques > 0 && excl > 0 {
		sc.ang += 0.2
	}

	if shouting(original) {
		sc.ang += 0.6
		if prior {
			sc.ang += 0.3
		}
		sc.signal(sigCaps)
	}
	if repeatsPhrase(s) {
		if prior {
			sc.ang += 0.5
		} else {
			sc.ang += 0.3
		}
		sc.signal(sigRepetition)
	}
}

// countRun returns how often c occurs in s and its longest run.
func countRun(s string, c byte) (n, longest int) {
	run := 0
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			n++
			run++
			longest = max(longest, run)
		} else if s[i] != ' ' {
			run = 0
		}
	}
	return n, longest
}

// shouting: at least two words and eight letters of Latin text, nearly all in capitals.
// Acronyms ("FAQ", "VIP") alone do not count.
func shouting(text string) bool {
	var upper, lower, capsWords, word int
	for _, r := range text {
		switch {
		case unicode.IsUpper(r) && r < unicode.MaxLatin1:
			upper++
			word++
		case unicode.IsLower(r) && r < unicode.MaxLatin1:
			lower++
			word = -100 // a word with a lower-case letter is not shouted
		default:
			if word >= 2 {
				capsWords++
			}
			word = 0
		}
	}
	if word >= 2 {
		capsWords++
	}
	return capsWords >= 2 && upper >= 8 && float64(upper) >= 0.8*float64(upper+lower)
}

// repeatsPhrase: the same clause three times ("没有水，没有水，没有水") or the same words run
// together three times ("我要睡觉我要睡觉我要睡觉"). Laughter ("哈哈哈哈哈哈") repeats
// one character and does not count.
func repeatsPhrase(s string) bool {
	rs := []rune(s)
	n := len(rs)
	for l := 2; l <= 12 && 3*l <= n; l++ {
		for i := 0; i+3*l <= n; i++ {
			unit := rs[i : i+l]
			if equalRunes(unit, rs[i+l:i+2*l]) && equalRunes(unit, rs[i+2*l:i+3*l]) && meaningfulUnit(unit) {
				return true
			}
		}
	}
	// Clauses separated by punctuation.
	clauses := strings.FieldsFunc(s, func(r rune) bool { return isBoundary(r) || r == ' ' })
	run := 1
	for i := 1; i < len(clauses); i++ {
		if clauses[i] == clauses[i-1] && len([]rune(clauses[i])) >= 2 {
			if run++; run >= 3 {
				return true
			}
		} else {
			run = 1
		}
	}
	return false
}

// meaningfulUnit: at least two different letters, so "哈哈", "!!" and "..." are not phrases;
// a Latin unit needs four letters, so laughter ("hahaha", "lololol") is not one either.
func meaningfulUnit(u []rune) bool {
	letters, han := 0, false
	first := rune(-1)
	distinct := false
	for _, r := range u {
		if unicode.IsLetter(r) {
			letters++
			han = han || isHan(r)
			if first == -1 {
				first = r
			} else if r != first {
				distinct = true
			}
		}
	}
	return distinct && (han && letters >= 2 || letters >= 4)
}

func equalRunes(a, b []rune) bool {
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
