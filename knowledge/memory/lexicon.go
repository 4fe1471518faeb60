package memory

// lexicon holds the corpus statistics of the lexical side over every chunk of any status: the
// chunk count, the summed lengths and, per term, which articles have a chunk containing it.
// The document frequency of a term is the sum of its per-article chunk counts.
type lexicon struct {
	chunks   int
	totalLen int
	df       map[string]int
	postings map[string]map[int64]int // term -> article id -> chunks of it containing the term
}

func newLexicon() lexicon {
	return lexicon{df: make(map[string]int), postings: make(map[string]map[int64]int)}
}

func (l *lexicon) add(id int64, chunks []storedChunk) {
	for _, c := range chunks {
		l.chunks++
		l.totalLen += c.Length
		for _, t := range c.termSet {
			l.df[t]++
			p := l.postings[t]
			if p == nil {
				p = make(map[int64]int)
				l.postings[t] = p
			}
			p[id]++
		}
	}
}

func (l *lexicon) remove(id int64, chunks []storedChunk) {
	for _, c := range chunks {
		l.chunks--
		l.totalLen -= c.Length
		for _, t := range c.termSet {
			if l.df[t]--; l.df[t] == 0 {
				delete(l.df, t)
				delete(l.postings, t)
				continue
			}
			p := l.postings[t]
			if p[id]--; p[id] == 0 {
				delete(p, id)
			}
		}
	}
}
