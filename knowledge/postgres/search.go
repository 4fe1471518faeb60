package postgres

import (
	"context"
	"fmt"
	"math"

	"github.com/jackc/pgx/v5"
	"github.com/pgvector/pgvector-go"

	"github.com/faqbot/faqbot/knowledge"
)

// Tuning of the search statement. Neither changes a result that the spec defines exactly:
//
//   - vectorFanout: the vector side reads PerSide*vectorFanout nearest chunks and keeps each
//     article's best, so it has PerSide articles unless some articles have very many chunks
//     close to the query (then it ranks fewer, best first, never wrongly ordered).
//   - lexicalBudget: how many postings the first lexical pass may read. Terms are taken rarest
//     first while their document frequencies sum to at most this; the common rest is read only
//     when its best possible score could still reach the PerSide-th article found so far (the
//     MaxScore bound), which keeps a query full of "how", "my", "我", "的" from scoring a large
//     part of the corpus.
const (
	vectorFanout  = 4
	lexicalBudget = 3000
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
	var maxTerms any // NULL keeps every term
	if q.MaxTerms > 0 {
		maxTerms = q.MaxTerms
	}
	terms := make([]string, len(q.Terms))
	for i, t := range q.Terms {
		terms[i] = termKey(t)
	}
	rows, _ := s.pool.Query(ctx, searchSQL, pgx.NamedArgs{
		"vec":      vec,
		"category": q.Category,
		"vchunks":  q.PerSide * vectorFanout,
		"perside":  q.PerSide,
		"terms":    terms,
		"maxterms": maxTerms,
		"k1":       q.K1,
		"b":        q.B,
		"budget":   lexicalBudget,
		"rrfk":     q.RRFK,
		"vw":       q.VectorWeight,
		"lw":       q.LexicalWeight,
		"lang":     q.Language,
		"bonus":    q.LanguageBonus,
		"lim":      q.Limit,
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

// searchSQL ranks published articles as knowledge.SearchQuery specifies. Reading order:
// statistics and kept query terms; the vector side (HNSW); the lexical side (BM25 in two
// passes, see lexicalBudget); fusion; then, for the returned articles only, the evidence a Hit
// reports (best similarity and best lexical score over all their chunks, and the chunk shown).
const searchSQL = `
WITH stats AS (
	SELECT chunks::float8 AS n,
	       CASE WHEN total_length > 0 THEN total_length::float8 / chunks END AS avglen
	FROM knowledge_stats
),
qterms AS (
	SELECT term, min(ord) AS ord
	FROM unnest(@terms::text[]) WITH ORDINALITY AS q(term, ord)
	GROUP BY term
),
-- The MaxTerms terms of highest idf; idf falls as df grows, so rarest first, ties to the
-- term the query names first.
kept AS MATERIALIZED (
	SELECT q.term, l.df,
	       ln(1 + (s.n - l.df + 0.5) / (l.df + 0.5)) AS idf,
	       row_number() OVER (ORDER BY l.df, q.ord) AS pos
	FROM qterms q JOIN lexicon l ON l.term = q.term CROSS JOIN stats s
	WHERE l.df > 0
	ORDER BY l.df, q.ord
	LIMIT @maxterms::int
),
split AS MATERIALIZED (
	SELECT term, idf, pos = 1 OR sum(df) OVER (ORDER BY pos) <= @budget::int AS first
	FROM kept
),
arrays AS MATERIALIZED (
	SELECT coalesce(array_agg(term), '{}') AS all_terms,
	       coalesce(array_agg(term) FILTER (WHERE first), '{}') AS first_terms,
	       coalesce(array_agg(term) FILTER (WHERE NOT first), '{}') AS rest_terms,
	       -- The best score a chunk holding only the rest could have: the BM25 length factor
	       -- is largest for length 0. Without the usual 0 <= b <= 1, k1 >= 0 no bound holds.
	       CASE WHEN @b::float8 BETWEEN 0 AND 1 AND @k1::float8 >= 0
	            THEN coalesce(sum(idf) FILTER (WHERE NOT first), 0) * (@k1::float8 + 1) / (1 + @k1::float8 * (1 - @b::float8))
	            ELSE 'Infinity'::float8 END AS rest_bound
	FROM split
),
vec_chunks AS MATERIALIZED (
	SELECT c.article_id, c.ordinal, c.embedding <=> @vec::vector AS dist
	FROM chunks c
	WHERE @vec::vector IS NOT NULL AND c.published AND c.embedding IS NOT NULL
	  AND (@category::text = '' OR c.category = @category::text)
	ORDER BY c.embedding <=> @vec::vector
	LIMIT @vchunks::int
),
vec AS (
	SELECT article_id, ordinal, dist, row_number() OVER (ORDER BY dist, article_id) AS vrank
	FROM (SELECT DISTINCT ON (article_id) article_id, ordinal, dist
	      FROM vec_chunks ORDER BY article_id, dist, ordinal) best
	ORDER BY dist, article_id
	LIMIT @perside::int
),
lex_first AS MATERIALIZED (
	SELECT c.article_id, c.ordinal,
	       (SELECT sum(k.idf) FROM split k WHERE k.term = ANY (c.terms))
	         * (@k1::float8 + 1) / (1 + @k1::float8 * (1 - @b::float8 + @b::float8 * coalesce(c.length / s.avglen, 1))) AS score
	FROM chunks c CROSS JOIN stats s
	WHERE c.terms && (SELECT first_terms FROM arrays) AND c.published
	  AND (@category::text = '' OR c.category = @category::text)
),
threshold AS (
	SELECT CASE WHEN count(*) >= @perside::int THEN min(score) ELSE 0 END AS score
	FROM (SELECT max(score) AS score FROM lex_first WHERE score > 0
	      GROUP BY article_id ORDER BY 1 DESC LIMIT @perside::int) top
),
lex_rest AS (
	SELECT c.article_id, c.ordinal,
	       (SELECT sum(k.idf) FROM split k WHERE k.term = ANY (c.terms))
	         * (@k1::float8 + 1) / (1 + @k1::float8 * (1 - @b::float8 + @b::float8 * coalesce(c.length / s.avglen, 1))) AS score
	FROM chunks c CROSS JOIN stats s
	WHERE (SELECT rest_bound FROM arrays) >= (SELECT score FROM threshold)
	  AND c.terms && (SELECT rest_terms FROM arrays)
	  AND NOT c.terms && (SELECT first_terms FROM arrays)
	  AND c.published AND (@category::text = '' OR c.category = @category::text)
),
lex AS (
	SELECT article_id, ordinal, score, row_number() OVER (ORDER BY score DESC, article_id) AS lrank
	FROM (SELECT DISTINCT ON (article_id) article_id, ordinal, score
	      FROM (SELECT * FROM lex_first UNION ALL SELECT * FROM lex_rest) l
	      WHERE score > 0
	      ORDER BY article_id, score DESC, ordinal) best
	ORDER BY score DESC, article_id
	LIMIT @perside::int
),
fused AS (
	SELECT a.*, v.vrank, l.lrank,
	       coalesce(@vw::float8 / (@rrfk::float8 + v.vrank), 0)
	         + coalesce(@lw::float8 / (@rrfk::float8 + l.lrank), 0)
	         + CASE WHEN @lang::text <> '' AND a.language = @lang::text THEN @bonus::float8 ELSE 0 END AS fused
	FROM vec v FULL JOIN lex l ON l.article_id = v.article_id
	JOIN articles a ON a.id = coalesce(v.article_id, l.article_id)
	ORDER BY fused DESC, a.id
	LIMIT @lim::int
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
	SELECT c.ordinal,
	       (SELECT sum(k.idf) FROM split k WHERE k.term = ANY (c.terms))
	         * (@k1::float8 + 1) / (1 + @k1::float8 * (1 - @b::float8 + @b::float8 * coalesce(c.length / s.avglen, 1))) AS score
	FROM chunks c CROSS JOIN stats s
	WHERE c.article_id = f.id AND c.terms && (SELECT all_terms FROM arrays)
	ORDER BY score DESC, c.ordinal LIMIT 1
) lx ON lx.score > 0
LEFT JOIN chunks shown ON shown.article_id = f.id
	AND shown.ordinal = CASE WHEN f.vrank IS NOT NULL OR lx.ordinal IS NULL THEN sim.ordinal ELSE lx.ordinal END
ORDER BY f.fused DESC, f.id`
