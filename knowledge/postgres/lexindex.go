package postgres

import (
	"cmp"
	"math"
	"math/bits"
	"slices"

	"github.com/faqbot/faqbot/knowledge"
)

// lexState is the lexical side of the search as of one generation of the knowledge base: every
// chunk's distinct terms and length, the articles they belong to, and the corpus statistics of
// BM25 over all of them (any status, as knowledge.SearchQuery specifies). Terms are interned as
// small integers so that scoring compares numbers.
//
// Chunks live in slots. A removed chunk leaves a dead slot behind, skipped until compact drops
// them all (when they outnumber the live ones). A term's postings are ordered by impact: by
// chunk length, shortest first, since BM25 with binary term frequency gives a term the same
// weight in every chunk but for the length factor, which falls as the length grows. That lets
// a search stop reading a list once the length factor rules out the rest. New chunks go to a
// short unsorted tail first, merged into the ordered list once it grows (mergeTail).
type lexState struct {
	gen   int64 // the knowledge_stats generation this state reflects
	epoch int64 // which full load this state descends from (see contentCache)

	termIDs  map[string]uint32
	df       []int32    // by term: live chunks holding it
	postings [][]uint32 // by term: slots of chunks holding it by (length, slot), dead ones included
	tails    [][]uint32 // by term: slots added since the last merge, in slot order
	tailMin  []int32    // by term: the shortest chunk length in its tail

	// Chunks by slot: what a search reads of every chunk it meets, in one cache line, and the
	// rest apart.
	chunks   []lexChunk
	chunkArt []uint32 // 1 + the article's index in arts; 0 for a dead slot
	chunkOrd []int32
	terms    []uint32 // distinct term ids of each chunk, ascending (an arena; dead chunks' stay)

	arts       []*lexArticle // by index; nil once removed
	articles   map[int64]*lexArticle
	categories map[string]uint32 // category -> id (from 1)
	languages  map[string]string // one copy of each language

	live     int   // live chunks
	totalLen int64 // summed length of the live chunks
	dead     int   // dead slots
	maxLen   int32 // longest chunk ever added
}

type lexChunk struct {
	off    uint32 // where the chunk's terms start in terms
	n      uint32 // how many terms it has
	length int32
	match  uint32 // eligibility: 0 for a draft or archived article or a dead slot, else the category id
	// sig has bit sigBit(t) set for each of the chunk's terms t: a search learns from it which
	// query terms the chunk cannot hold without reading its terms.
	sig [2]uint64
}

// sigBit spreads term ids over the 128 bits of a signature.
func sigBit(t uint32) (word int, mask uint64) {
	h := t * 0x9E3779B1 // Fibonacci hashing: consecutive ids land far apart
	return int(h >> 31), 1 << (h >> 25 & 63)
}

type lexArticle struct {
	id       int64
	index    uint32 // in arts
	version  int
	language string
	slots    []uint32
}

// loadedArticle is an article as the index loads it from the database.
type loadedArticle struct {
	ID        int64
	Version   int
	Published bool
	Category  string
	Language  string
	Chunks    []loadedChunk
}

type loadedChunk struct {
	Ordinal int32
	Length  int32
	Terms   []string // stored term keys (termKey)
}

func newLexState(gen, epoch int64) *lexState {
	return &lexState{
		gen: gen, epoch: epoch,
		termIDs:    make(map[string]uint32),
		articles:   make(map[int64]*lexArticle),
		categories: make(map[string]uint32),
		languages:  make(map[string]string),
	}
}

// chunkTerms returns the term ids of the chunk in slot.
func (st *lexState) chunkTerms(slot uint32) []uint32 {
	c := &st.chunks[slot]
	return st.terms[c.off : c.off+c.n]
}

// put adds an article (replacing the one of that id, if any) with its chunks.
func (st *lexState) put(a loadedArticle) {
	st.remove(a.ID)
	lang, ok := st.languages[a.Language]
	if !ok {
		lang = a.Language
		st.languages[lang] = lang
	}
	art := &lexArticle{id: a.ID, index: uint32(len(st.arts)), version: a.Version, language: lang}
	st.arts = append(st.arts, art)
	var match uint32
	if a.Published {
		cat, ok := st.categories[a.Category]
		if !ok {
			cat = uint32(len(st.categories) + 1)
			st.categories[a.Category] = cat
		}
		match = cat
	}
	for _, c := range a.Chunks {
		off := uint32(len(st.terms))
		for _, t := range c.Terms {
			id, ok := st.termIDs[t]
			if !ok {
				id = uint32(len(st.df))
				st.termIDs[t] = id
				st.df = append(st.df, 0)
				st.postings = append(st.postings, nil)
				st.tails = append(st.tails, nil)
				st.tailMin = append(st.tailMin, math.MaxInt32)
			}
			st.terms = append(st.terms, id)
		}
		// Terms are a set: a caller may list one twice.
		ids := st.terms[off:]
		slices.Sort(ids)
		ids = slices.Compact(ids)
		st.terms = st.terms[:off+uint32(len(ids))]

		slot := uint32(len(st.chunkArt))
		hot := lexChunk{off: off, n: uint32(len(ids)), length: c.Length, match: match}
		for _, id := range ids {
			w, m := sigBit(id)
			hot.sig[w] |= m
		}
		st.chunks = append(st.chunks, hot)
		st.chunkArt = append(st.chunkArt, art.index+1)
		st.chunkOrd = append(st.chunkOrd, c.Ordinal)
		for _, id := range ids {
			st.df[id]++
			st.tails[id] = append(st.tails[id], slot)
			st.tailMin[id] = min(st.tailMin[id], c.Length)
			if n := len(st.tails[id]); n >= minTailMerge && n >= len(st.postings[id])/4 {
				st.mergeTail(id)
			}
		}
		art.slots = append(art.slots, slot)
		st.live++
		st.totalLen += int64(c.Length)
		st.maxLen = max(st.maxLen, c.Length)
	}
	st.articles[a.ID] = art
}

// remove drops an article and its chunks; an unknown id is no error.
func (st *lexState) remove(id int64) {
	art, ok := st.articles[id]
	if !ok {
		return
	}
	for _, slot := range art.slots {
		for _, t := range st.chunkTerms(slot) {
			st.df[t]--
		}
		st.live--
		st.totalLen -= int64(st.chunks[slot].length)
		st.dead++
		st.chunkArt[slot], st.chunks[slot].match = 0, 0
	}
	st.arts[art.index] = nil
	delete(st.articles, id)
}

// minTailMerge keeps a term's tail from being merged for every few chunks added; a tail that
// reaches a quarter of the ordered list is merged too, so reading it stays cheap.
const minTailMerge = 64

// mergeTail moves term t's tail into its ordered list, dropping dead slots on the way.
func (st *lexState) mergeTail(t uint32) {
	tail := st.tails[t]
	slices.SortFunc(tail, st.byImpact)
	list := st.postings[t]
	merged := make([]uint32, 0, len(list)+len(tail))
	i, j := 0, 0
	for i < len(list) || j < len(tail) {
		var slot uint32
		if j >= len(tail) || (i < len(list) && st.byImpact(list[i], tail[j]) < 0) {
			slot, i = list[i], i+1
		} else {
			slot, j = tail[j], j+1
		}
		if st.chunkArt[slot] != 0 {
			merged = append(merged, slot)
		}
	}
	st.postings[t], st.tails[t], st.tailMin[t] = merged, nil, math.MaxInt32
}

// shortest is the length of the shortest chunk in term t's postings (dead ones included,
// which only loosens the bounds it serves).
func (st *lexState) shortest(t uint32) int32 {
	s := st.tailMin[t]
	if list := st.postings[t]; len(list) > 0 {
		s = min(s, st.chunks[list[0]].length)
	}
	return s
}

// byImpact orders slots by chunk length, then slot.
func (st *lexState) byImpact(a, b uint32) int {
	if c := cmp.Compare(st.chunks[a].length, st.chunks[b].length); c != 0 {
		return c
	}
	return cmp.Compare(a, b)
}

// settle merges every tail, as a full load ends.
func (st *lexState) settle() {
	for t := range st.tails {
		if len(st.tails[t]) > 0 {
			st.mergeTail(uint32(t))
		}
	}
}

// compactMinDead keeps small indexes from compacting over and over.
const compactMinDead = 4096

// compact rebuilds the state without dead slots and forgotten terms once they outnumber the
// live ones; term ids change, so it runs under the index's write lock only.
func (st *lexState) compact() {
	if st.dead < compactMinDead || st.dead < st.live {
		return
	}
	fresh := newLexState(st.gen, st.epoch)
	ids := make([]int64, 0, len(st.articles))
	for id := range st.articles {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	names := make([]string, len(st.df))
	for t, id := range st.termIDs {
		names[id] = t
	}
	categories := make(map[uint32]string, len(st.categories))
	for c, id := range st.categories {
		categories[id] = c
	}
	for _, id := range ids {
		art := st.articles[id]
		la := loadedArticle{ID: art.id, Version: art.version, Language: art.language}
		for i, slot := range art.slots {
			c := st.chunks[slot]
			if i == 0 {
				la.Published = c.match != 0
				la.Category = categories[c.match]
			}
			terms := make([]string, c.n)
			for k, t := range st.chunkTerms(slot) {
				terms[k] = names[t]
			}
			la.Chunks = append(la.Chunks, loadedChunk{Ordinal: st.chunkOrd[slot], Length: c.length, Terms: terms})
		}
		fresh.put(la)
	}
	fresh.settle()
	*st = *fresh
}

// eligible returns the lexChunk.match value a search's chunks must have for category ("" for
// any), and false when no article can match.
func (st *lexState) eligible(category string) (uint32, bool) {
	if category == "" {
		return 0, true
	}
	id, ok := st.categories[category]
	return id, ok
}

// keptTerm is a query term the search scores with: its id and idf.
type keptTerm struct {
	id  uint32
	idf float64
}

// lexQuery is a query prepared against one state: the kept terms, rarest first, and the BM25
// parameters. bound[i] bounds the idf sum of a chunk holding none of the first i kept terms.
type lexQuery struct {
	kept   []keptTerm
	sig    [2]uint64    // the kept terms' signature bits
	sigIdf [128]float64 // by signature bit: the summed idf of the kept terms on it
	pos    []int32      // by term id: 1 + the term's place in kept, 0 for others (lexScratch's)
	norms  []float64    // the length factor by length, up to the longest chunk (lexScratch's)
	bound  []float64
	k1, b  float64
	avgLen float64
	// prune is false when K1 or B make the length factor grow with the length, which voids the
	// bounds; the search then scores every chunk holding a kept term.
	prune   bool
	present []bool // scratch of len(kept), for queries of more than 64 kept terms
}

// boundSlack absorbs rounding: a sum of idf*norm terms may exceed norm*sum(idf) by an ulp.
const boundSlack = 1 + 1e-9

// maxNormTable bounds the table of length factors a query computes; longer chunks (which the
// chunker does not make, but a caller may claim) get theirs computed when met.
const maxNormTable = 1 << 10

// prepare keeps the MaxTerms query terms of highest idf, as knowledge.SearchQuery specifies:
// distinct, known, stable in query order among equal idfs. The query marks its terms in sc,
// which it uses until release.
func (st *lexState) prepare(q knowledge.SearchQuery, sc *lexScratch) lexQuery {
	n := float64(st.live)
	lq := lexQuery{k1: q.K1, b: q.B}
	if len(sc.pos) < len(st.df) {
		sc.pos = make([]int32, len(st.df)+len(st.df)/4)
	}
	lq.pos = sc.pos
	for _, t := range q.Terms {
		id, ok := st.termIDs[termKey(t)]
		if !ok || st.df[id] == 0 || lq.pos[id] != 0 {
			continue
		}
		lq.pos[id] = -1 // seen
		d := float64(st.df[id])
		lq.kept = append(lq.kept, keptTerm{id: id, idf: math.Log(1 + (n-d+0.5)/(d+0.5))})
	}
	for _, t := range lq.kept {
		lq.pos[t.id] = 0
	}
	slices.SortStableFunc(lq.kept, func(a, b keptTerm) int { return cmp.Compare(b.idf, a.idf) })
	if q.MaxTerms > 0 && len(lq.kept) > q.MaxTerms {
		lq.kept = lq.kept[:q.MaxTerms]
	}
	for i, t := range lq.kept {
		lq.pos[t.id] = int32(i + 1)
	}
	if st.live > 0 {
		lq.avgLen = float64(st.totalLen) / n
	}
	lq.bound = make([]float64, len(lq.kept)+1)
	for i := len(lq.kept) - 1; i >= 0; i-- {
		lq.bound[i] = lq.bound[i+1] + lq.kept[i].idf
	}
	for _, t := range lq.kept {
		w, m := sigBit(t.id)
		lq.sig[w] |= m
		lq.sigIdf[w*64+bits.TrailingZeros64(m)] += t.idf
	}
	lq.prune = q.B >= 0 && q.B <= 1 && q.K1 >= 0 && !math.IsInf(q.K1, 0)
	if cap(sc.present) < len(lq.kept) {
		sc.present = make([]bool, len(lq.kept))
	}
	lq.present = sc.present[:len(lq.kept)]
	if len(lq.kept) > 0 {
		size := min(int(st.maxLen), maxNormTable) + 1
		if cap(sc.norms) < size {
			sc.norms = make([]float64, size)
		}
		lq.norms = sc.norms[:size]
		for l := range lq.norms {
			lq.norms[l] = lq.normOf(int32(l))
		}
	}
	return lq
}

// release unmarks the query's terms in the scratch it was prepared with.
func (lq *lexQuery) release() {
	for _, t := range lq.kept {
		lq.pos[t.id] = 0
	}
}

// normOf is BM25's length factor, written as the in-memory store writes it so that both stores
// compute bit-equal scores.
func (lq *lexQuery) normOf(length int32) float64 {
	ratio := 1.0
	if lq.avgLen > 0 {
		ratio = float64(length) / lq.avgLen
	}
	return (lq.k1 + 1) / (1 + lq.k1*(1-lq.b+lq.b*ratio))
}

func (lq *lexQuery) norm(length int32) float64 {
	if length >= 0 && int(length) < len(lq.norms) {
		return lq.norms[length]
	}
	return lq.normOf(length)
}

// score is a chunk's BM25 score, summed in the kept order (rarest first) as the in-memory
// store sums it, so that equal term sets give bit-equal scores in both.
func (lq *lexQuery) score(terms []uint32, length int32) float64 {
	if len(lq.kept) > 64 {
		return lq.scoreMany(terms, length)
	}
	var mask uint64
	for _, t := range terms {
		if p := lq.pos[t]; p != 0 {
			mask |= 1 << (p - 1)
		}
	}
	if mask == 0 {
		return 0
	}
	norm := lq.norm(length)
	var sum float64
	for ; mask != 0; mask &= mask - 1 {
		sum += lq.kept[bits.TrailingZeros64(mask)].idf * norm
	}
	return sum
}

// limit bounds a chunk's score from its signature alone: the query terms whose bits it lacks
// are certainly not among its terms.
func (lq *lexQuery) limit(c *lexChunk) float64 {
	var idf float64
	for w := range 2 {
		for m := c.sig[w] & lq.sig[w]; m != 0; m &= m - 1 {
			idf += lq.sigIdf[w*64+bits.TrailingZeros64(m)]
		}
	}
	return lq.norm(c.length) * idf * boundSlack
}

// scoreMany is score for queries of more kept terms than a mask holds.
func (lq *lexQuery) scoreMany(terms []uint32, length int32) float64 {
	found := false
	for _, t := range terms {
		if p := lq.pos[t]; p != 0 {
			lq.present[p-1], found = true, true
		}
	}
	if !found {
		return 0
	}
	norm := lq.norm(length)
	var sum float64
	for i, t := range lq.kept {
		if lq.present[i] {
			sum += t.idf * norm
			lq.present[i] = false
		}
	}
	return sum
}

// lexHit is an article's best chunk on the lexical side.
type lexHit struct {
	art     *lexArticle
	score   float64
	ordinal int32
}

// better orders hits best first: higher score, then lower article id.
func (h lexHit) better(o lexHit) bool {
	return h.score > o.score || (h.score == o.score && h.art.id < o.art.id)
}

// lexScratch is the per-search memory of the lexical side, pooled: a visit stamp per slot, the
// query's terms marked by term id, the length factors, and each article's place in the heap.
type lexScratch struct {
	stamp   []uint32
	cur     uint32
	pos     []int32
	norms   []float64
	present []bool
	heapAt  []int32 // by article index: 1 + place in the heap, 0 when not in it
}

// top returns the perSide best eligible articles by their best chunk, best first, exactly as
// the exhaustive scoring knowledge.SearchQuery describes would rank them.
//
// It reads postings rarest term first (MaxScore), each list shortest chunk first. A chunk first
// met in the list of kept term i either holds none of the terms before it, or was passed over
// in their lists for being unable to rank; so unless it is already ruled out it scores at most
// norm(length) * bound[i]. Once the perSide-th best article score found so far (theta)
// exceeds that, neither it nor the longer chunks after it in the list can rank; once theta
// exceeds that bound for the shortest chunk of every list left, no chunk of them can. Ties
// with theta are still
// scored: a tie may win on the lower article id.
func (st *lexState) top(lq *lexQuery, perSide int, category string, sc *lexScratch) []lexHit {
	want, ok := st.eligible(category)
	if len(lq.kept) == 0 || perSide < 1 || !ok {
		return nil
	}
	if len(sc.stamp) < len(st.chunkArt) {
		sc.stamp = make([]uint32, len(st.chunkArt)+len(st.chunkArt)/4)
		sc.cur = 0
	}
	if sc.cur++; sc.cur == 0 { // wrapped: every old stamp would look current
		clear(sc.stamp)
		sc.cur = 1
	}
	if len(sc.heapAt) < len(st.arts) {
		sc.heapAt = make([]int32, len(st.arts)+len(st.arts)/4)
	}
	h := lexHeap{max: perSide, at: sc.heapAt}
	defer h.release()
	// stop[i] bounds the score of any chunk first met in list i or later.
	stop := make([]float64, len(lq.kept)+1)
	for i := len(lq.kept) - 1; i >= 0; i-- {
		stop[i] = max(stop[i+1], lq.norm(st.shortest(lq.kept[i].id))*lq.bound[i]*boundSlack)
	}
	// visit scores a chunk unless it was seen or is not eligible; false means that it, and
	// every longer chunk of this list, cannot rank.
	// theta is the score an article must reach to enter the heap once it is full; until then
	// nothing can be ruled out.
	theta := math.Inf(-1)
	// visit scores a chunk unless it was seen or is not eligible; false means that it, and
	// every longer chunk of this list, cannot rank.
	visit := func(slot uint32, bound float64) bool {
		c := &st.chunks[slot]
		if lq.norm(c.length)*bound < theta {
			return false
		}
		if sc.stamp[slot] == sc.cur {
			return true
		}
		sc.stamp[slot] = sc.cur
		if c.match == 0 || (want != 0 && c.match != want) {
			return true
		}
		// The signature rules out most query terms a chunk lacks; when what it leaves cannot
		// reach theta, the chunk's terms are never read.
		if theta > 0 && lq.limit(c) < theta {
			return true
		}
		// Most chunks scored fall short of theta; they need not touch their article.
		if score := lq.score(st.terms[c.off:c.off+c.n], c.length); score > 0 && score >= theta {
			h.offer(lexHit{art: st.arts[st.chunkArt[slot]-1], score: score, ordinal: st.chunkOrd[slot]})
			if lq.prune && h.full() {
				theta = h.theta()
			}
		}
		return true
	}
	for i, t := range lq.kept {
		if stop[i] < theta {
			break
		}
		bound := lq.bound[i] * boundSlack
		for _, slot := range st.postings[t.id] {
			if !visit(slot, bound) {
				break
			}
		}
		for _, slot := range st.tails[t.id] {
			visit(slot, bound)
		}
	}
	out := slices.Clone(h.items)
	slices.SortFunc(out, func(a, b lexHit) int {
		if a.better(b) {
			return -1
		}
		if b.better(a) {
			return 1
		}
		return 0
	})
	return out
}

// best returns an article's best chunk score and its ordinal (-1 when no kept term occurs);
// equal scores go to the lower ordinal.
func (st *lexState) best(art *lexArticle, lq *lexQuery) (float64, int32) {
	best, at := 0.0, int32(-1)
	for _, slot := range art.slots {
		s, ord := lq.score(st.chunkTerms(slot), st.chunks[slot].length), st.chunkOrd[slot]
		if s <= 0 {
			continue
		}
		if at < 0 || s > best || (s == best && ord < at) {
			best, at = s, ord
		}
	}
	return best, at
}

// lexHeap keeps the max best articles seen, the worst at the root, one entry per article.
type lexHeap struct {
	max   int
	items []lexHit
	at    []int32 // by article index: 1 + index in items, 0 when absent
}

func (h *lexHeap) full() bool { return len(h.items) >= h.max }

// theta is the score an article must reach to enter a full heap.
func (h *lexHeap) theta() float64 { return h.items[0].score }

// release clears the heap's marks in the shared position table.
func (h *lexHeap) release() {
	for _, x := range h.items {
		h.at[x.art.index] = 0
	}
}

// offer records a scored chunk: it raises its article's entry, or enters it if it beats the
// worst.
func (h *lexHeap) offer(x lexHit) {
	if x.score <= 0 {
		return
	}
	if i := h.at[x.art.index] - 1; i >= 0 {
		cur := &h.items[i]
		if x.score > cur.score || (x.score == cur.score && x.ordinal < cur.ordinal) {
			*cur = x
			h.down(int(i))
		}
		return
	}
	if !h.full() {
		h.items = append(h.items, x)
		h.at[x.art.index] = int32(len(h.items))
		h.up(len(h.items) - 1)
		return
	}
	if !x.better(h.items[0]) {
		return
	}
	h.at[h.items[0].art.index] = 0
	h.items[0] = x
	h.at[x.art.index] = 1
	h.down(0)
}

// worse is the heap order: the root is the worst entry.
func (h *lexHeap) worse(i, j int) bool { return h.items[j].better(h.items[i]) }

func (h *lexHeap) swap(i, j int) {
	h.items[i], h.items[j] = h.items[j], h.items[i]
	h.at[h.items[i].art.index] = int32(i + 1)
	h.at[h.items[j].art.index] = int32(j + 1)
}

func (h *lexHeap) up(i int) {
	for i > 0 {
		p := (i - 1) / 2
		if !h.worse(i, p) {
			return
		}
		h.swap(i, p)
		i = p
	}
}

func (h *lexHeap) down(i int) {
	for {
		l, r, m := 2*i+1, 2*i+2, i
		if l < len(h.items) && h.worse(l, m) {
			m = l
		}
		if r < len(h.items) && h.worse(r, m) {
			m = r
		}
		if m == i {
			return
		}
		h.swap(i, m)
		i = m
	}
}
