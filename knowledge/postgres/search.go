package postgres

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"

	"github.com/jackc/pgx/v5"
	"github.com/pgvector/pgvector-go"

	"github.com/faqbot/faqbot/knowledge"
)

// Tuning of the search statement.
//
// vectorFanout: the vector side reads PerSide*vectorFanout nearest chunks and keeps each
// article's best, so it ranks PerSide articles unless the nearest chunks crowd into fewer
// articles (then it ranks fewer, best first, never out of order). Like hnsw.ef_search it bounds
// how deep the approximate side looks; staying within ef_search (PerSide 40 reads 80 chunks of
// the 100 one HNSW search yields) spares an iterative continuation.
//
// firstBudget, secondBudget: the lexical side reads postings in two levels, rarest query terms
// first. Level 1 holds terms while their document frequencies sum to at most firstBudget (and
// the rarest term if its own postings fit secondBudget); level 2 the next terms while the sum
// stays within secondBudget. Chunks holding a level-1 term are always scored. Level 2 is read
// only if the best score a chunk without any level-1 term could reach (see searchSQL's bounds)
// reaches the PerSide-th best article score found so far: otherwise no such chunk can rank
// (MaxScore). The remaining terms, those whose postings would blow the budget ("how", "my",
// "我", "的" and, in a large corpus, common content words), still count in every score but
// bring no candidates of their own. That bounds a search's work at about secondBudget chunks
// whatever the corpus size; the price is that an article whose best chunk holds only such
// common terms can be missed. Within the budgets (every term of a small corpus, and most
// specific questions) the ranking is exactly the spec's, which the contract suite checks.
const (
	vectorFanout = 2
	firstBudget  = 500
	secondBudget = 3000
)

// Search implements knowledge.Store in one statement and one round trip.
func (s *Store) Search(ctx context.Context, q knowledge.SearchQuery) ([]knowledge.Hit, error) {
	if q.Limit < 1 {
		return nil, &knowledge.FieldError{Field: "limit", Reason: fmt.Sprintf("must be at least 1, got %d", q.Limit)}
	}
	if q.PerSide < 1 {
		return nil, &knowledge.FieldError{Field: "per_side", Reason: fmt.Sprintf("must be at least 1, got %d", q.PerSide)}
	}
	var vec any // NULL skips the vector side
	if hasDirection(q.Vector) {
		vec = pgvector.NewVector(q.Vector)
	}
	terms := make([]string, len(q.Terms))
	for i, t := range q.Terms {
		terms[i] = termKey(t)
	}
	rows, _ := s.pool.Query(ctx, searchStatement(q.PerSide, q.Limit, q.MaxTerms), pgx.NamedArgs{
		"vec":      vec,
		"category": q.Category,
		"terms":    terms,
		"k1":       q.K1,
		"b":        q.B,
		"budget1":  s.firstBudget,
		"budget2":  s.secondBudget,
		"rrfk":     q.RRFK,
		"vw":       q.VectorWeight,
		"lw":       q.LexicalWeight,
		"lang":     q.Language,
		"bonus":    q.LanguageBonus,
	})
	got, err := pgx.CollectRows(rows, pgx.RowToStructByName[hitRow])
	if err != nil {
		return nil, dbError(err, "search")
	}
	hits := make([]knowledge.Hit, len(got))
	for i, r := range got {
		hits[i] = knowledge.Hit{
			Article:      r.articleRow.article(),
			ChunkKind:    knowledge.ChunkKind(r.ChunkKind),
			ChunkText:    r.ChunkText,
			Similarity:   r.Similarity,
			VectorRank:   r.VectorRank,
			LexicalScore: r.LexicalScore,
			LexicalRank:  r.LexicalRank,
			Fused:        r.Fused,
		}
	}
	return hits, nil
}

// statements caches the search statement per set of limits; the service's limits are bounded
// (knowledge.MaxTopK), so the cache is too.
var statements sync.Map // [3]int{perSide, limit, maxTerms} -> string

// searchStatement writes the limits into searchSQL as constants rather than parameters: with a
// parameter PostgreSQL must guess a LIMIT when it plans the statement once for all calls, and
// its guess (a tenth of the table) makes that generic plan look so costly that it re-plans
// this large statement on every call instead, which takes longer than running it.
func searchStatement(perSide, limit, maxTerms int) string {
	key := [3]int{perSide, limit, maxTerms}
	if sql, ok := statements.Load(key); ok {
		return sql.(string)
	}
	kept := "ALL"
	if maxTerms > 0 {
		kept = strconv.Itoa(maxTerms)
	}
	sql := strings.NewReplacer(
		"$VCHUNKS", strconv.Itoa(perSide*vectorFanout),
		"$PERSIDE", strconv.Itoa(perSide),
		"$LIMIT", strconv.Itoa(limit),
		"$MAXTERMS", kept,
	).Replace(searchSQL)
	statements.Store(key, sql)
	return sql
}

// hasDirection tells a usable query vector from an empty or all-zero one, whose cosine
// distance to anything is undefined (pgvector returns NaN).
func hasDirection(v []float32) bool {
	for _, x := range v {
		if x != 0 && !math.IsNaN(float64(x)) {
			return true
		}
	}
	return false
}

type hitRow struct {
	articleRow
	ChunkKind    string  `db:"chunk_kind"`
	ChunkText    string  `db:"chunk_text"`
	Similarity   float64 `db:"similarity"`
	VectorRank   int     `db:"vector_rank"`
	LexicalScore float64 `db:"lexical_score"`
	LexicalRank  int     `db:"lexical_rank"`
	Fused        float64 `db:"fused"`
}

// searchSQL ranks published articles as knowledge.SearchQuery specifies, with the lexical
// candidates bounded as firstBudget describes. Reading order: statistics and kept query terms;
// the vector side (HNSW); the lexical side (two levels with a MaxScore gate); fusion; then,
// for the returned articles only, the evidence a Hit reports (best similarity and best lexical
// score over all their chunks, and the chunk shown).
//
// The gate's bound: a chunk that holds no level-1 term can only hold later terms. If it holds
// j of them, its score is at most the sum of the j largest of their idfs times the BM25 length
// factor at length j, because a chunk has at least as many tokens as distinct terms
// (loose_chunks counts the chunks that break this; then the factor at length 0 is used). The
// bound is the maximum over j; a level-2 chunk is also skipped, unscored, when its own length
// factor times all later idfs stays below the threshold. Scores are summed in the kept terms'
// order, rarest first, as the in-memory store sums them, so equal term sets give bit-equal
// scores and ties break the same way.
const searchSQL = `
WITH stats AS (
	SELECT chunks::float8 AS n,
	       CASE WHEN total_length > 0 THEN total_length::float8 / chunks END AS avglen,
	       loose_chunks = 0 AS tight
	FROM knowledge_stats
),
qterms AS (
	SELECT term, min(ord) AS ord
	FROM unnest(@terms::text[]) WITH ORDINALITY AS q(term, ord)
	GROUP BY term
),
-- The MaxTerms terms of highest idf; idf falls as df grows, so rarest first, ties to the term
-- the query names first.
kept AS MATERIALIZED (
	SELECT q.term, l.df, ln(1 + (s.n - l.df + 0.5) / (l.df + 0.5)) AS idf,
	       row_number() OVER (ORDER BY l.df, q.ord) AS pos
	FROM qterms q JOIN lexicon l ON l.term = q.term CROSS JOIN stats s
	WHERE l.df > 0
	ORDER BY l.df, q.ord
	LIMIT $MAXTERMS
),
levels AS MATERIALIZED (
	SELECT term, idf, pos,
	       CASE WHEN cumdf <= @budget1::int OR (pos = 1 AND cumdf <= @budget2::int) THEN 1
	            WHEN cumdf <= @budget2::int THEN 2 ELSE 3 END AS level,
	       cumidf
	FROM (SELECT k.*, sum(df) OVER (ORDER BY pos) AS cumdf, sum(idf) OVER (ORDER BY pos) AS cumidf FROM kept k) k
	ORDER BY pos
),
cuts AS (
	SELECT coalesce(max(pos) FILTER (WHERE level = 1), 0) AS p1,
	       coalesce(max(cumidf) FILTER (WHERE level = 1), 0) AS c1
	FROM levels
),
terms AS MATERIALIZED (
	SELECT coalesce(array_agg(term), '{}') AS all_terms,
	       coalesce(array_agg(term) FILTER (WHERE level = 1), '{}') AS t1,
	       coalesce(array_agg(term) FILTER (WHERE level = 2), '{}') AS t2
	FROM levels
),
bounds AS MATERIALIZED (
	SELECT coalesce(max((l.cumidf - c.c1) * f.factor) FILTER (WHERE l.level > 1), 0) * (1 + 1e-9) AS after1,
	       coalesce(max(l.cumidf) - c.c1, 0) * (1 + 1e-9) AS idf_after1
	FROM levels l CROSS JOIN cuts c CROSS JOIN stats s
	CROSS JOIN LATERAL (
		SELECT CASE
		         WHEN NOT (@b::float8 BETWEEN 0 AND 1 AND @k1::float8 >= 0) THEN 'Infinity'::float8
		         WHEN s.tight THEN (@k1::float8 + 1) / (1 + @k1::float8 * (1 - @b::float8 + @b::float8 * coalesce((l.pos - c.p1) / s.avglen, 1)))
		         ELSE (@k1::float8 + 1) / (1 + @k1::float8 * (1 - @b::float8)) END AS factor
	) f
	GROUP BY c.c1
),
vec_chunks AS MATERIALIZED (
	SELECT c.article_id, c.ordinal, c.embedding <=> @vec::vector AS dist
	FROM chunks c
	WHERE @vec::vector IS NOT NULL AND c.published AND c.embedding IS NOT NULL
	  AND (@category::text = '' OR c.category = @category::text)
	ORDER BY c.embedding <=> @vec::vector
	LIMIT $VCHUNKS
),
vec AS (
	SELECT article_id, ordinal, dist, row_number() OVER (ORDER BY dist, article_id) AS vrank
	FROM (SELECT DISTINCT ON (article_id) article_id, ordinal, dist
	      FROM vec_chunks ORDER BY article_id, dist, ordinal) best
	ORDER BY dist, article_id
	LIMIT $PERSIDE
),
lex1 AS MATERIALIZED (
	SELECT c.article_id, c.ordinal,
	       (SELECT sum(k.idf * n.norm) FROM levels k WHERE k.term = ANY (c.terms)) AS score
	FROM chunks c CROSS JOIN stats s
	CROSS JOIN LATERAL (SELECT (@k1::float8 + 1) / (1 + @k1::float8 * (1 - @b::float8 + @b::float8 * coalesce(c.length / s.avglen, 1))) AS norm) n
	WHERE c.terms && (SELECT t1 FROM terms) AND c.published
	  AND (@category::text = '' OR c.category = @category::text)
),
theta1 AS (
	SELECT CASE WHEN count(*) >= $PERSIDE THEN min(score) ELSE 0 END AS score
	FROM (SELECT max(score) AS score FROM lex1 GROUP BY article_id ORDER BY 1 DESC LIMIT $PERSIDE) top
),
lex2 AS MATERIALIZED (
	SELECT c.article_id, c.ordinal,
	       (SELECT sum(k.idf * n.norm) FROM levels k WHERE k.term = ANY (c.terms)) AS score
	FROM chunks c CROSS JOIN stats s
	CROSS JOIN LATERAL (SELECT (@k1::float8 + 1) / (1 + @k1::float8 * (1 - @b::float8 + @b::float8 * coalesce(c.length / s.avglen, 1))) AS norm) n
	WHERE (SELECT after1 FROM bounds) >= (SELECT score FROM theta1)
	  AND c.terms && (SELECT t2 FROM terms) AND NOT c.terms && (SELECT t1 FROM terms)
	  AND c.published AND (@category::text = '' OR c.category = @category::text)
	  -- Not worth scoring: even holding every later term, its length keeps it below.
	  AND n.norm * (SELECT idf_after1 FROM bounds) >= (SELECT score FROM theta1)
),
lex AS (
	SELECT article_id, ordinal, score, row_number() OVER (ORDER BY score DESC, article_id) AS lrank
	FROM (SELECT DISTINCT ON (article_id) article_id, ordinal, score
	      FROM (SELECT * FROM lex1 UNION ALL SELECT * FROM lex2) l
	      WHERE score > 0
	      ORDER BY article_id, score DESC, ordinal) best
	ORDER BY score DESC, article_id
	LIMIT $PERSIDE
),
fused AS (
	SELECT a.*, v.vrank, l.lrank,
	       coalesce(@vw::float8 / (@rrfk::float8 + v.vrank), 0)
	         + coalesce(@lw::float8 / (@rrfk::float8 + l.lrank), 0)
	         + CASE WHEN @lang::text <> '' AND a.language = @lang::text THEN @bonus::float8 ELSE 0 END AS fused
	FROM vec v FULL JOIN lex l ON l.article_id = v.article_id
	JOIN articles a ON a.id = coalesce(v.article_id, l.article_id)
	ORDER BY fused DESC, a.id
	LIMIT $LIMIT
)
SELECT f.id, coalesce(f.external_id, '') AS external_id, f.title, f.question, f.answer, f.similar_questions,
       f.category, f.tags, f.language, f.status, f.version, f.created_at, f.updated_at,
       f.fused, coalesce(f.vrank, 0)::int AS vector_rank, coalesce(f.lrank, 0)::int AS lexical_rank,
       coalesce(1 - sim.dist, 0) AS similarity, coalesce(lx.score, 0) AS lexical_score,
       coalesce(shown.kind, '') AS chunk_kind, coalesce(shown.text, '') AS chunk_text
FROM fused f
LEFT JOIN LATERAL (
	-- OFFSET 0 keeps the planner from answering this with the HNSW index.
	SELECT ordinal, dist FROM (
		SELECT ordinal, embedding <=> @vec::vector AS dist FROM chunks
		WHERE article_id = f.id AND embedding IS NOT NULL AND @vec::vector IS NOT NULL OFFSET 0) d
	ORDER BY dist, ordinal LIMIT 1
) sim ON true
LEFT JOIN LATERAL (
	SELECT c.ordinal, (SELECT sum(k.idf * n.norm) FROM levels k WHERE k.term = ANY (c.terms)) AS score
	FROM chunks c CROSS JOIN stats s
	CROSS JOIN LATERAL (SELECT (@k1::float8 + 1) / (1 + @k1::float8 * (1 - @b::float8 + @b::float8 * coalesce(c.length / s.avglen, 1))) AS norm) n
	WHERE c.article_id = f.id AND c.terms && (SELECT all_terms FROM terms)
	ORDER BY score DESC, c.ordinal LIMIT 1
) lx ON lx.score > 0
LEFT JOIN chunks shown ON shown.article_id = f.id
	AND shown.ordinal = CASE WHEN f.vrank IS NOT NULL OR lx.ordinal IS NULL THEN sim.ordinal ELSE lx.ordinal END
ORDER BY f.fused DESC, f.id`
