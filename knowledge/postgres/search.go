package postgres

import (
	"cmp"
	"context"
	"fmt"
	"slices"

	"github.com/faqbot/faqbot/knowledge"
)

// maxSearchAttempts bounds how often a search starts again because a write committed while it
// ran; the last attempt's result stands (it mixes two adjacent generations at worst).
const maxSearchAttempts = 3

// Search implements knowledge.Store. The lexical side runs on this process's index (lexState,
// exact: every chunk holding a kept term can rank) while PostgreSQL runs the vector side
// through the HNSW index (pipeline.go); the same round trip measures the lexical candidates'
// chunks and reads the generation of the knowledge base, which tells whether the index is
// current. Fusion happens here. Hits whose text is not cached (contentCache) cost one more
// statement.
func (s *Store) Search(ctx context.Context, q knowledge.SearchQuery) ([]knowledge.Hit, error) {
	if q.Limit < 1 {
		return nil, &knowledge.FieldError{Field: "limit", Reason: fmt.Sprintf("must be at least 1, got %d", q.Limit)}
	}
	if q.PerSide < 1 {
		return nil, &knowledge.FieldError{Field: "per_side", Reason: fmt.Sprintf("must be at least 1, got %d", q.PerSide)}
	}
	for attempt := 1; ; attempt++ {
		st, err := s.lex.readLocked(ctx)
		if err != nil {
			return nil, dbError(err, "search")
		}
		hits, behind, err := s.search(ctx, st, q, attempt < maxSearchAttempts)
		s.lex.mu.RUnlock()
		if err != nil {
			return nil, dbError(err, "search")
		}
		if behind < 0 {
			return hits, nil
		}
		if err := s.lex.sync(ctx, behind); err != nil {
			return nil, dbError(err, "search")
		}
	}
}

// search runs one attempt on st (read-locked by the caller). When retry is set and the
// database is at another generation than st, it returns that generation instead of hits;
// otherwise -1.
func (s *Store) search(ctx context.Context, st *lexState, q knowledge.SearchQuery, retry bool) ([]knowledge.Hit, int64, error) {
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return nil, 0, err
	}
	defer conn.Release()
	pipe, err := startSearch(ctx, conn.Conn(), q)
	if err != nil {
		return nil, 0, err
	}
	sc := s.lex.scratch.Get().(*lexScratch)
	defer s.lex.scratch.Put(sc)
	lq := st.prepare(q, sc)
	defer lq.release()
	lex := st.top(&lq, q.PerSide, q.Category, sc)
	s.meanwhile(q, st, lex)
	side, err := pipe.finish(q, lex)
	if err != nil {
		return nil, 0, err
	}
	if side.gen != st.gen && retry {
		return nil, side.gen, nil
	}

	cands := fuse(q, side, lex)
	hits := make([]knowledge.Hit, len(cands))
	texts := make([]*content, len(cands))
	var missing []int64
	for i := range cands {
		c := &cands[i]
		h := &hits[i]
		h.Article.ID = c.id
		h.VectorRank, h.LexicalRank, h.Fused = c.vrank, c.lrank, c.fused
		simOrd := int32(-1)
		if best, ok := side.best[c.id]; ok && (c.vrank > 0 || !q.OmitLexicalOnlySimilarity) {
			h.Similarity, simOrd = 1-best.dist, best.ordinal
		}
		lexOrd := int32(-1)
		art := st.articles[c.id]
		switch {
		case c.lrank > 0:
			h.LexicalScore, lexOrd = lex[c.lrank-1].score, lex[c.lrank-1].ordinal
		case art != nil:
			h.LexicalScore, lexOrd = st.best(art, &lq)
		}
		c.shown = lexOrd
		if c.vrank > 0 || lexOrd < 0 {
			c.shown = simOrd
		}
		if art != nil {
			texts[i], _ = s.content.get(c.id, art.version, st.epoch)
		}
		if texts[i] == nil {
			missing = append(missing, c.id)
		}
	}
	if len(missing) > 0 {
		fetched, err := fetchContent(ctx, conn, missing, st.epoch)
		if err != nil {
			return nil, 0, err
		}
		for i, c := range cands {
			if texts[i] == nil && fetched[c.id] != nil {
				texts[i] = fetched[c.id]
				s.content.put(texts[i])
			}
		}
	}
	out := hits[:0]
	for i, c := range cands {
		if texts[i] == nil {
			continue // deleted since the statement ran
		}
		h := hits[i]
		h.Article, h.ChunkKind, h.ChunkText = texts[i].hit(c.shown)
		out = append(out, h)
	}
	return out, -1, nil
}

// meanwhile hands the caller the lexical candidates whose texts are cached, while PostgreSQL
// still scans the HNSW index: most of them end among the hits, and the service computes their
// rerank now rather than after the answer. All PerSide of them, not just the first Limit: at
// 10,000 articles, handing over only Limit left 7.5 candidates per search to rerank after the
// answer, all of them 5; the scan still takes about three times as long as this work.
func (s *Store) meanwhile(q knowledge.SearchQuery, st *lexState, lex []lexHit) {
	if q.Meanwhile == nil || len(lex) == 0 {
		return
	}
	likely := make([]*knowledge.Article, 0, len(lex))
	for _, h := range lex {
		if c, ok := s.content.get(h.art.id, h.art.version, st.epoch); ok {
			a := c.article
			likely = append(likely, &a)
		}
	}
	q.Meanwhile(likely)
}

// fused is one candidate of the fusion; shown is filled in later.
type fused struct {
	id           int64
	vrank, lrank int
	fused        float64
	language     string
	shown        int32
}

// fuse ranks the vector side's articles, joins them with the lexical side's and orders them by
// reciprocal rank fusion, as knowledge.SearchQuery specifies and the in-memory store computes.
func fuse(q knowledge.SearchQuery, side vectorResult, lex []lexHit) []fused {
	type ranked struct {
		nearArticle
		dist float64
	}
	near := make([]ranked, len(side.near))
	for i, n := range side.near {
		near[i] = ranked{n, side.best[n.id].dist}
	}
	slices.SortFunc(near, func(a, b ranked) int {
		if c := cmp.Compare(a.dist, b.dist); c != 0 {
			return c
		}
		return cmp.Compare(a.id, b.id)
	})
	near = near[:min(len(near), q.PerSide)]
	out := make([]fused, 0, len(near)+len(lex))
	at := make(map[int64]int, len(near))
	for i, n := range near {
		at[n.id] = len(out)
		out = append(out, fused{id: n.id, vrank: i + 1, language: n.language})
	}
	for i, h := range lex {
		k, ok := at[h.art.id]
		if !ok {
			k = len(out)
			out = append(out, fused{id: h.art.id, language: h.art.language})
		}
		out[k].lrank = i + 1
	}
	for i := range out {
		f := &out[i]
		// The in-memory store's order of additions, so that equal ranks give equal sums.
		if f.vrank > 0 {
			f.fused += q.VectorWeight / (q.RRFK + float64(f.vrank))
		}
		if f.lrank > 0 {
			f.fused += q.LexicalWeight / (q.RRFK + float64(f.lrank))
		}
		if q.Language != "" && f.language == q.Language {
			f.fused += q.LanguageBonus
		}
	}
	slices.SortFunc(out, func(a, b fused) int {
		switch {
		case a.fused > b.fused:
			return -1
		case a.fused < b.fused:
			return 1
		}
		return cmp.Compare(a.id, b.id)
	})
	return out[:min(len(out), q.Limit)]
}
