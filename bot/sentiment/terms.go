package sentiment

import "strings"

// kind is the role a lexicon entry plays in a message.
type kind uint8

const (
	kindTerm            kind = iota + 1 // bears sentiment
	kindNegator                         // flips or cancels the next term
	kindIntensifier                     // scales the next term ("太", "very"; below 1: "有点", "a bit")
	kindPostIntensifier                 // scales the term just before ("烦死了", "差透了")
	kindNeutral                         // hides the words inside a compound ("不过", "垃圾桶", "badass")
)

// class decides what negation does to a term and how it counts.
type class uint8

const (
	classPositive  class = iota + 1 // praise, thanks: negated, it becomes mild criticism
	classNegative                   // sadness, worry, weak criticism: negated, it softens
	classAnger                      // feelings of anger: negated, the anger is gone ("我不生气")
	classCriticism                  // harsh criticism: negated, it softens; a prohibition keeps it ("别骗我")
	classHostile                    // profanity, insults, threats: no negation undoes them
	classComplaint                  // a service failure, negative in form ("不到账", "charged twice")
	classChallenge                  // rhetorical challenges ("凭什么", "what the hell")
)

// Signals name why a message got its label; they are shown to agents.
const (
	sigProfanity   = "profanity"
	sigInsult      = "insult"
	sigThreat      = "threat"
	sigHostile     = "hostile command"
	sigAnger       = "anger words"
	sigCriticism   = "harsh criticism"
	sigComplaint   = "complaint"
	sigIgnored     = "ignored"
	sigImpatience  = "impatience"
	sigRhetorical  = "rhetorical question"
	sigSarcasm     = "sarcasm"
	sigRepeated    = "repeated complaint"
	sigUnresolved  = "still unresolved"
	sigRepetition  = "repetition"
	sigCaps        = "all caps"
	sigExclaim     = "exclamations"
	sigAngryEmoji  = "angry emoji"
	sigNegPraise   = "negated praise"
	sigNegAnger    = "negated anger"
	sigSad         = "sadness"
	sigWorry       = "worry"
	sigDisappoint  = "disappointment"
	sigPraise      = "praise"
	sigThanks      = "thanks"
	sigHappyEmoji  = "happy emoji"
	sigSadEmoji    = "sad emoji"
	sigProblem     = "problem report"
	sigAnnoyance   = "annoyance"
	sigExasperated = "exasperation"
	sigViolence    = "violent words"
)

// entry is one lexicon item.
type entry struct {
	kind   kind
	class  class
	val    float64 // valence: below 0 negative, above 0 positive
	ang    float64 // evidence of anger
	scale  float64 // intensifiers only
	signal string
	// alone: the term counts only when it stands as a clause of its own, because inside a
	// sentence the same characters are ordinary words ("靠!" vs "靠近", "滚!" vs "滚动").
	alone bool
	// soft negators ("不太", "not really") weaken a term instead of flipping it; prohibitive
	// ones ("别", "不要") cancel feelings and praise but leave criticism standing.
	soft, prohibit bool
}

// group lists terms that share one entry, separated by spaces or new lines; "_" joins the
// words of an English phrase.
type group struct {
	e     entry
	terms string
}

func term(c class, val, ang float64, signal, terms string) group {
	return group{entry{kind: kindTerm, class: c, val: val, ang: ang, signal: signal}, terms}
}

// aloneTerm is term for words that count only as a clause of their own.
func aloneTerm(c class, val, ang float64, signal, terms string) group {
	g := term(c, val, ang, signal, terms)
	g.e.alone = true
	return g
}

func negators(terms string) group {
	return group{entry{kind: kindNegator}, terms}
}

func softNegators(terms string) group {
	return group{entry{kind: kindNegator, soft: true}, terms}
}

func prohibitions(terms string) group {
	return group{entry{kind: kindNegator, prohibit: true}, terms}
}

func intensifiers(scale float64, terms string) group {
	return group{entry{kind: kindIntensifier, scale: scale}, terms}
}

func postIntensifiers(scale float64, terms string) group {
	return group{entry{kind: kindPostIntensifier, scale: scale}, terms}
}

func neutral(terms string) group {
	return group{entry{kind: kindNeutral}, terms}
}

// dictionary maps a normalised term to its entry; maxLen is the longest key in runes (for
// Chinese) or words (for English).
type dictionary struct {
	m      map[string]*entry
	maxLen int
}

// build merges groups in order: a later group redefines a term of an earlier one, so
// specific lists can follow general ones.
func build(groups []group, length func(string) int, extra func(string) []string) dictionary {
	d := dictionary{m: make(map[string]*entry)}
	for i := range groups {
		e := &groups[i].e
		for _, t := range strings.Fields(groups[i].terms) {
			t = strings.ReplaceAll(strings.ToLower(t), "_", " ")
			keys := []string{t}
			if extra != nil {
				keys = append(keys, extra(t)...)
			}
			for _, k := range keys {
				d.m[k] = e
				d.maxLen = max(d.maxLen, length(k))
			}
		}
	}
	return d
}
