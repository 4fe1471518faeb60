package memory

import "slices"

// lexicon holds the corpus statistics of the lexical side over every chunk of any status: the
// chunk count, the summed lengths and, per term, which articles have a chunk containing it.
// Terms are interned as small integers so that scoring compares numbers, not strings; a
// number is never reused, even once no chunk holds its term any more.
type lexicon struct {
	chunks   int
	totalLen int
	ids      map[string]uint32
	df       map[uint32]int
	postings map[uint32]map[int64]int // term -> article id -> chunks of it containing the term
}

func newLexicon() lexicon {
	return lexicon{ids: make(map[string]uint32), df: make(map[uint32]int), postings: make(map[uint32]map[int64]int)}
}

// id returns the number of term, and whether the lexicon knows it.
func (l *lexicon) id(term string) (uint32, bool) {
	id, ok := l.ids[term]
	return id, ok
}

// add counts the chunks of article id and fills in their term numbers.
func (l *lexicon) add(id int64, chunks []storedChunk) {
	for i := range chunks {
		c := &chunks[i]
		l.chunks++
		l.totalLen += c.Length
		c.termIDs = c.termIDs[:0]
		for _, t := range c.Terms {
			tid, ok := l.ids[t]
			if !ok {
				tid = uint32(len(l.ids))
				l.ids[t] = tid
			}
			c.termIDs = append(c.termIDs, tid)
		}
		// Terms are a set: count each once however often the caller listed it.
		slices.Sort(c.termIDs)
		c.termIDs = slices.Compact(c.termIDs)
		for _, tid := range c.termIDs {
			l.df[tid]++
			p := l.postings[tid]
			if p == nil {
				p = make(map[int64]int)
				l.postings[tid] = p
			}
			p[id]++
		}
	}
}

func (l *lexicon) remove(id int64, chunks []storedChunk) {
	for _, c := range chunks {
		l.chunks--
		l.totalLen -= c.Length
		for _, tid := range c.termIDs {
			if l.df[tid]--; l.df[tid] == 0 {
				delete(l.df, tid)
				delete(l.postings, tid)
				continue
			}
			p := l.postings[tid]
			if p[id]--; p[id] == 0 {
				delete(p, id)
			}
		}
	}
}
