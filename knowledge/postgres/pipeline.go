package postgres

import (
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/pgvector/pgvector-go"

	"github.com/faqbot/faqbot/knowledge"
)

// The search's statements travel in a pipeline on one connection: the vector side leaves first
// and runs in PostgreSQL while this process computes the lexical side, whose candidates the
// second statement then measures against the query vector. No round trip waits for another,
// and the lexical side costs no time of its own unless it takes longer than the HNSW scan.
//
// nearSQL returns the generation (part 0, one row) and the nearest published chunks by the
// HNSW index (part 1), with their language for the fusion's bonus. The scan filters on the
// chunks' copies of published and category, so it never joins articles. distancesSQL measures
// every embedded chunk of the lexical candidates, whose similarity a hit reports even when the
// vector side did not rank it.
//
// The vector side reads the PerSide nearest chunks (at least minNearChunks) and keeps each
// article's best, so it ranks PerSide articles unless the nearest chunks crowd into fewer (then
// it ranks fewer, best first, never out of order). Like hnsw.ef_search, this bounds how deep
// the approximate side looks. Reading twice as many chunks cost some 30–70 µs per search at
// 10,000 articles and kept about one question in a thousand more in the exhaustive in-memory
// store's top 5 (the agreement benchmark in docs/benchmarks.md).
const (
	nearSQL = `SELECT 0 AS part, 0::bigint AS article_id, 0 AS ordinal, 0::float8 AS dist, ''::text AS language, generation
FROM knowledge_stats
UNION ALL (
	SELECT 1, article_id, ordinal, embedding <=> $1::vector, language, 0::bigint
	FROM chunks
	WHERE published AND embedding IS NOT NULL $CATEGORY
	ORDER BY embedding <=> $1::vector
	LIMIT $CHUNKS
)`
	distancesSQL = `SELECT article_id, ordinal, embedding <=> $1::vector
FROM chunks
WHERE article_id = ANY($2::bigint[]) AND embedding IS NOT NULL`
	generationSQL = `SELECT generation FROM knowledge_stats`
)

// minNearChunks keeps a small PerSide from ranking fewer articles than it asks for when the
// nearest articles have several close chunks each; so few rows cost the scan nothing it would
// notice (one HNSW search yields ef_search candidates anyway).
const minNearChunks = 16

// statements caches nearSQL per number of nearest chunks and category filter; the service's
// limits are bounded (knowledge.MaxTopK), so the cache is too.
var statements sync.Map // nearKey -> string

type nearKey struct {
	chunks   int
	category bool
}

// nearStatement writes the number of nearest chunks into nearSQL as a constant, and the
// category filter only when there is one: PostgreSQL plans a prepared statement afresh on every
// call unless its generic plan looks as cheap as the custom ones, and a parameter LIMIT, or an
// "($2 = ” OR category = $2)" it cannot simplify, makes the generic plan look far costlier.
// Planning costs a good part of running the statement.
func nearStatement(chunks int, category bool) string {
	key := nearKey{chunks, category}
	if sql, ok := statements.Load(key); ok {
		return sql.(string)
	}
	filter := ""
	if category {
		filter = "AND category = $2::text"
	}
	sql := strings.NewReplacer("$CHUNKS", strconv.Itoa(chunks), "$CATEGORY", filter).Replace(nearSQL)
	statements.Store(key, sql)
	return sql
}

// nearest is the best chunk of an article among those the statements measured.
type nearest struct {
	dist    float64
	ordinal int32
}

// vectorResult is what the statements return: the best measured chunk of each article, the
// articles the HNSW scan found (each once) with their language, and the generation of the
// knowledge base.
type vectorResult struct {
	gen  int64
	best map[int64]nearest
	near []nearArticle
}

type nearArticle struct {
	id       int64
	language string
}

// languageNames holds one string per language an article may carry (knowledge.Languages).
var languageNames = func() map[string]string {
	m := make(map[string]string, len(knowledge.Languages))
	for l := range knowledge.Languages {
		m[l] = l
	}
	return m
}()

// languageOf returns lang as a string, without allocating one per row.
func languageOf(lang []byte) string {
	if l, ok := languageNames[string(lang)]; ok {
		return l
	}
	return string(lang)
}

func (r *vectorResult) measured(id int64, ordinal int32, dist float64) {
	// The best chunk; equal distances go to the lower ordinal.
	if cur, ok := r.best[id]; !ok || dist < cur.dist || (dist == cur.dist && ordinal < cur.ordinal) {
		r.best[id] = nearest{dist: dist, ordinal: ordinal}
	}
}

// searchPipe is a search's pipeline: the first statement sent, the second to follow.
type searchPipe struct {
	conn   *pgx.Conn
	pl     *pgconn.Pipeline
	vector bool
	vec    []byte // the query vector, encoded
	dist   *pgconn.StatementDescription
}

var binaryResults = []int16{pgtype.BinaryFormatCode}

// startSearch sends the first statement: the vector side, or the generation alone when the
// query has no vector.
func startSearch(ctx context.Context, conn *pgx.Conn, q knowledge.SearchQuery) (*searchPipe, error) {
	p := &searchPipe{conn: conn, vector: hasDirection(q.Vector)}
	sql := generationSQL
	if p.vector {
		sql = nearStatement(max(q.PerSide, minNearChunks), q.Category != "")
	}
	first, err := conn.Prepare(ctx, sql, sql)
	if err != nil {
		return nil, err
	}
	var params [][]byte
	var formats []int16
	if p.vector {
		if p.dist, err = conn.Prepare(ctx, distancesSQL, distancesSQL); err != nil {
			return nil, err
		}
		args := []any{pgvector.NewVector(q.Vector)}
		if q.Category != "" {
			args = append(args, q.Category)
		}
		if params, formats, err = encode(conn.TypeMap(), first.ParamOIDs, args); err != nil {
			return nil, err
		}
		p.vec = params[0]
	}
	p.pl = conn.PgConn().StartPipeline(ctx)
	p.pl.SendQueryStatement(first, params, formats, binaryResults)
	if err := p.pl.Flush(); err != nil {
		p.pl.Close()
		return nil, err
	}
	return p, nil
}

// finish sends the distances of the lexical candidates' chunks (when there is a vector) and
// reads both statements' results.
func (p *searchPipe) finish(q knowledge.SearchQuery, lex []lexHit) (vectorResult, error) {
	res := vectorResult{best: make(map[int64]nearest, 2*q.PerSide), near: make([]nearArticle, 0, q.PerSide)}
	measure := p.vector && len(lex) > 0 && !q.OmitLexicalOnlySimilarity
	if measure {
		ids := make([]int64, len(lex))
		for i, h := range lex {
			ids[i] = h.art.id
		}
		idParam, err := p.conn.TypeMap().Encode(p.dist.ParamOIDs[1], pgtype.BinaryFormatCode, ids, nil)
		if err != nil {
			p.pl.SendPipelineSync() // keeps Close from dropping the connection
			p.pl.Close()
			return res, err
		}
		p.pl.SendQueryStatement(p.dist, [][]byte{p.vec, idParam},
			[]int16{p.conn.TypeMap().FormatCodeForOID(p.dist.ParamOIDs[0]), pgtype.BinaryFormatCode}, binaryResults)
	}
	if err := p.pl.Sync(); err != nil {
		p.pl.Close()
		return res, err
	}
	err := p.read(func(r *pgconn.ResultReader) error {
		if !p.vector {
			return readRows(r, []uint32{pgtype.Int8OID}, func(v [][]byte) { res.gen = int8At(v[0]) })
		}
		return readRows(r, []uint32{pgtype.Int4OID, pgtype.Int8OID, pgtype.Int4OID, pgtype.Float8OID, pgtype.TextOID, pgtype.Int8OID},
			func(v [][]byte) {
				if int4At(v[0]) == 0 {
					res.gen = int8At(v[5])
					return
				}
				id := int8At(v[1])
				if _, seen := res.best[id]; !seen {
					res.near = append(res.near, nearArticle{id: id, language: languageOf(v[4])})
				}
				res.measured(id, int4At(v[2]), float8At(v[3]))
			})
	})
	if err == nil && measure {
		err = p.read(func(r *pgconn.ResultReader) error {
			return readRows(r, []uint32{pgtype.Int8OID, pgtype.Int4OID, pgtype.Float8OID}, func(v [][]byte) {
				res.measured(int8At(v[0]), int4At(v[1]), float8At(v[2]))
			})
		})
	}
	if closeErr := p.pl.Close(); err == nil {
		err = closeErr
	}
	return res, err
}

// read hands the next statement's result to use.
func (p *searchPipe) read(use func(*pgconn.ResultReader) error) error {
	got, err := p.pl.GetResults()
	if err != nil {
		return err
	}
	r, ok := got.(*pgconn.ResultReader)
	if !ok {
		return fmt.Errorf("search pipeline: unexpected %T", got)
	}
	if err := use(r); err != nil {
		_, _ = r.Close()
		return err
	}
	_, err = r.Close()
	return err
}

// readRows checks the result's column types, which the binary decoding relies on, and hands
// each row's raw values to row.
func readRows(r *pgconn.ResultReader, types []uint32, row func([][]byte)) error {
	fields := r.FieldDescriptions()
	if len(fields) != len(types) {
		return fmt.Errorf("search: %d result columns, want %d", len(fields), len(types))
	}
	for i, f := range fields {
		if f.DataTypeOID != types[i] || f.Format != pgtype.BinaryFormatCode {
			return fmt.Errorf("search: result column %s has type %d in format %d, want %d in binary", f.Name, f.DataTypeOID, f.Format, types[i])
		}
	}
	for r.NextRow() {
		v := r.Values()
		for i, b := range v {
			if b == nil || (types[i] != pgtype.TextOID && len(b) != fixedSize(types[i])) {
				return fmt.Errorf("search: unexpected value in result column %s", fields[i].Name)
			}
		}
		row(v)
	}
	return nil
}

func fixedSize(oid uint32) int {
	if oid == pgtype.Int4OID {
		return 4
	}
	return 8
}

func int4At(b []byte) int32     { return int32(binary.BigEndian.Uint32(b)) }
func int8At(b []byte) int64     { return int64(binary.BigEndian.Uint64(b)) }
func float8At(b []byte) float64 { return math.Float64frombits(binary.BigEndian.Uint64(b)) }

// encode encodes statement parameters as pgx would, each in its type's preferred format.
func encode(m *pgtype.Map, oids []uint32, args []any) ([][]byte, []int16, error) {
	if len(oids) != len(args) {
		return nil, nil, fmt.Errorf("search: %d parameters for %d placeholders", len(args), len(oids))
	}
	params := make([][]byte, len(args))
	formats := make([]int16, len(args))
	for i, a := range args {
		formats[i] = m.FormatCodeForOID(oids[i])
		var err error
		if params[i], err = m.Encode(oids[i], formats[i], a, nil); err != nil {
			return nil, nil, fmt.Errorf("search: encode parameter %d: %w", i+1, err)
		}
	}
	return params, formats, nil
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
