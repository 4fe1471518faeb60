package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/pgvector/pgvector-go"

	"github.com/faqbot/faqbot/knowledge"
)

// CreateArticle implements knowledge.Store.
func (s *Store) CreateArticle(ctx context.Context, a *knowledge.Article, chunks []knowledge.Chunk) error {
	if a == nil {
		return fmt.Errorf("create article: no article: %w", knowledge.ErrInvalid)
	}
	var (
		done []write
		gen  int64
	)
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		lock, err := lockWriters(ctx, tx)
		if err != nil {
			return err
		}
		w := write{article: *a, chunks: chunks}
		if err := w.check(lock.dims); err != nil {
			return err
		}
		done = []write{w}
		gen, err = apply(ctx, tx, lock, done, knowledge.Now())
		return err
	})
	if err != nil {
		return dbError(err, "create article")
	}
	s.lex.wrote(gen)
	*a = done[0].article
	return nil
}

// UpdateArticle implements knowledge.Store.
func (s *Store) UpdateArticle(ctx context.Context, a *knowledge.Article, chunks []knowledge.Chunk) error {
	if a == nil {
		return fmt.Errorf("update article: no article: %w", knowledge.ErrInvalid)
	}
	var (
		done []write
		gen  int64
	)
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		lock, err := lockWriters(ctx, tx)
		if err != nil {
			return err
		}
		w := write{article: *a, chunks: chunks}
		if err := w.check(lock.dims); err != nil {
			return err
		}
		cur, err := lockCurrent(ctx, tx, a.ID, a.Version)
		if err != nil {
			return err
		}
		w.prev = &cur
		done = []write{w}
		gen, err = apply(ctx, tx, lock, done, knowledge.Now())
		return err
	})
	if err != nil {
		return dbError(err, "update article %d", a.ID)
	}
	s.lex.wrote(gen)
	*a = done[0].article
	return nil
}

// DeleteArticle implements knowledge.Store.
func (s *Store) DeleteArticle(ctx context.Context, id int64, version int) error {
	var gen int64
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := lockWriters(ctx, tx); err != nil {
			return err
		}
		if _, err := lockCurrent(ctx, tx, id, version); err != nil {
			return err
		}
		var delta statsDelta
		if err := deleteChunks(ctx, tx, []int64{id}, &delta); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "DELETE FROM articles WHERE id = $1", id); err != nil {
			return err
		}
		if err := delta.apply(ctx, tx); err != nil {
			return err
		}
		var err error
		gen, err = logChanges(ctx, tx, []int64{id}, false)
		return err
	})
	if err != nil {
		return dbError(err, "delete article %d", id)
	}
	s.lex.wrote(gen)
	return nil
}

// UpsertArticles implements knowledge.Store: one transaction, all or nothing.
func (s *Store) UpsertArticles(ctx context.Context, items []knowledge.ArticleChunks) ([]knowledge.UpsertResult, error) {
	if len(items) == 0 {
		return []knowledge.UpsertResult{}, nil
	}
	writes := make([]write, len(items))
	inBatch := make(map[string]int, len(items))
	for i, it := range items {
		if it.Article == nil {
			return nil, fmt.Errorf("upsert item %d: no article: %w", i, knowledge.ErrInvalid)
		}
		writes[i] = write{article: *it.Article, chunks: it.Chunks}
		if ext := it.Article.ExternalID; ext != "" {
			if j, dup := inBatch[ext]; dup {
				return nil, fmt.Errorf("upsert item %d: external_id %q is also used by item %d: %w", i, ext, j, knowledge.ErrConflict)
			}
			inBatch[ext] = i
		}
	}
	var gen int64
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		lock, err := lockWriters(ctx, tx)
		if err != nil {
			return err
		}
		for i := range writes {
			if err := writes[i].check(lock.dims); err != nil {
				return fmt.Errorf("upsert item %d: %w", i, err)
			}
		}
		if err := findExisting(ctx, tx, writes, inBatch); err != nil {
			return err
		}
		gen, err = apply(ctx, tx, lock, writes, knowledge.Now())
		return err
	})
	if err != nil {
		return nil, dbError(err, "upsert %d articles", len(items))
	}
	s.lex.wrote(gen)
	out := make([]knowledge.UpsertResult, len(writes))
	for i, w := range writes {
		*items[i].Article = w.article
		out[i] = knowledge.UpsertResult{ID: w.article.ID, Created: w.prev == nil}
	}
	return out, nil
}

// write is one article to store: created when prev is nil, else replacing prev.
type write struct {
	article knowledge.Article
	chunks  []knowledge.Chunk
	prev    *current
}

// current is what a replacement needs to know of the stored article.
type current struct {
	ID        int64     `db:"id"`
	Version   int       `db:"version"`
	CreatedAt time.Time `db:"created_at"`
}

// check refuses, before anything is written, what the database would refuse less clearly.
func (w *write) check(dims *int) error {
	seen := make(map[int]bool, len(w.chunks))
	for _, c := range w.chunks {
		if seen[c.Ordinal] {
			return &knowledge.FieldError{Field: "chunks", Reason: fmt.Sprintf("ordinal %d appears twice", c.Ordinal)}
		}
		seen[c.Ordinal] = true
		switch c.Kind {
		case knowledge.ChunkQuestion, knowledge.ChunkSimilar, knowledge.ChunkAnswer:
		default:
			return &knowledge.FieldError{Field: "chunks", Reason: fmt.Sprintf("unknown chunk kind %q", c.Kind)}
		}
		if dims != nil && c.Embedding != nil && len(c.Embedding) != *dims {
			return fmt.Errorf("chunk %d has %d dimensions, the store holds %d: %w",
				c.Ordinal, len(c.Embedding), *dims, knowledge.ErrModelMismatch)
		}
	}
	return nil
}

// writeLock is what a writer learns when it takes the lock.
type writeLock struct {
	dims    *int  // the recorded embedding dimension, nil when no model is recorded yet
	chunks  int64 // chunks stored now
	indexed bool  // the HNSW index exists
}

// lockWriters takes the lock every article write holds (the single statistics row). Holding
// one lock first orders all writers, so their later row locks cannot deadlock.
func lockWriters(ctx context.Context, tx pgx.Tx) (writeLock, error) {
	var l writeLock
	err := tx.QueryRow(ctx, `SELECT (SELECT dimensions FROM embedding_model), chunks,
			to_regclass('chunks_embedding_idx') IS NOT NULL
		FROM knowledge_stats FOR UPDATE`).Scan(&l.dims, &l.chunks, &l.indexed)
	return l, err
}

// lockCurrent locks the article id and checks its version; version 0 accepts any.
func lockCurrent(ctx context.Context, tx pgx.Tx, id int64, version int) (current, error) {
	rows, _ := tx.Query(ctx, "SELECT id, version, created_at FROM articles WHERE id = $1 FOR UPDATE", id)
	cur, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[current])
	if err != nil {
		return current{}, err
	}
	if version != 0 && version != cur.Version {
		return current{}, fmt.Errorf("version %d is stale, the current version is %d: %w", version, cur.Version, knowledge.ErrConflict)
	}
	return cur, nil
}

// findExisting marks the writes whose external_id names a stored article as replacements.
func findExisting(ctx context.Context, tx pgx.Tx, writes []write, byExternal map[string]int) error {
	if len(byExternal) == 0 {
		return nil
	}
	ext := make([]string, 0, len(byExternal))
	for e := range byExternal {
		ext = append(ext, e)
	}
	type found struct {
		current
		ExternalID string `db:"external_id"`
	}
	rows, _ := tx.Query(ctx, `SELECT id, version, created_at, external_id FROM articles
		WHERE external_id = ANY($1) ORDER BY id FOR UPDATE`, ext)
	got, err := pgx.CollectRows(rows, pgx.RowToStructByName[found])
	if err != nil {
		return err
	}
	for _, f := range got {
		w := &writes[byExternal[f.ExternalID]]
		cur := f.current
		w.prev = &cur
	}
	return nil
}

// bulkMinChunks is the smallest write that rebuilds the indexes of chunks instead of growing
// them (see apply).
const bulkMinChunks = 2000

// apply writes articles and chunks, keeps the statistics in step and logs the change for the
// lexical indexes (logChanges), returning the new generation. The caller holds the writers'
// lock and has locked and checked every article being replaced. The writes' articles get their
// new id, version and times; the caller publishes them after the commit.
//
// A write that at least doubles the chunks (an import into a new or small knowledge base)
// drops the HNSW index, loads, and builds it again: building an HNSW index is an order of
// magnitude cheaper per vector than inserting into one. The price is that searches wait for
// the commit, since dropping an index locks the table; a smaller write leaves the index in
// place and searches go on.
func apply(ctx context.Context, tx pgx.Tx, lock writeLock, writes []write, now time.Time) (int64, error) {
	var created, replaced []*write
	incoming := 0
	for i := range writes {
		w := &writes[i]
		incoming += len(w.chunks)
		w.article.UpdatedAt = now
		if w.prev == nil {
			w.article.Version, w.article.CreatedAt = 1, now
			created = append(created, w)
			continue
		}
		w.article.ID = w.prev.ID
		w.article.Version, w.article.CreatedAt = w.prev.Version+1, w.prev.CreatedAt
		replaced = append(replaced, w)
	}
	bulk := int64(incoming) >= max(bulkMinChunks, lock.chunks)
	everything := false
	if bulk {
		if _, err := tx.Exec(ctx, "DROP INDEX IF EXISTS chunks_embedding_idx"); err != nil {
			return 0, err
		}
		var err error
		if everything, err = replacesEverything(ctx, tx, replaced); err != nil {
			return 0, err
		}
	}
	var delta statsDelta
	if err := replaceArticles(ctx, tx, replaced, everything, &delta); err != nil {
		return 0, err
	}
	if err := createArticles(ctx, tx, created); err != nil {
		return 0, err
	}
	if err := copyChunks(ctx, tx, writes, &delta); err != nil {
		return 0, err
	}
	if err := delta.apply(ctx, tx); err != nil {
		return 0, err
	}
	ids := make([]int64, len(writes))
	for i := range writes {
		ids[i] = writes[i].article.ID
	}
	gen, err := logChanges(ctx, tx, ids, everything)
	if err != nil {
		return 0, err
	}
	if bulk && lock.indexed && lock.dims != nil {
		return gen, buildIndex(ctx, tx, *lock.dims)
	}
	return gen, nil
}

// createArticles inserts with ids drawn beforehand, so one COPY writes them all and each write
// knows its id without relying on the order RETURNING would give.
func createArticles(ctx context.Context, tx pgx.Tx, created []*write) error {
	if len(created) == 0 {
		return nil
	}
	rows, _ := tx.Query(ctx, "SELECT nextval('articles_id_seq') FROM generate_series(1, $1)", len(created))
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return err
	}
	_, err = tx.CopyFrom(ctx, pgx.Identifier{"articles"}, articleCopyColumns,
		pgx.CopyFromSlice(len(created), func(i int) ([]any, error) {
			w := created[i]
			w.article.ID = ids[i]
			return articleValues(&w.article), nil
		}))
	return err
}

var articleCopyColumns = []string{"id", "external_id", "title", "question", "answer", "similar_questions",
	"category", "tags", "language", "status", "version", "created_at", "updated_at"}

func articleValues(a *knowledge.Article) []any {
	var ext *string
	if a.ExternalID != "" {
		ext = &a.ExternalID
	}
	return []any{a.ID, ext, a.Title, a.Question, a.Answer, nonNil(a.SimilarQuestions),
		a.Category, nonNil(a.Tags), a.Language, string(a.Status), a.Version, a.CreatedAt, a.UpdatedAt}
}

// replacesEverything tells whether a write replaces every stored article, as re-importing a
// whole knowledge base does.
func replacesEverything(ctx context.Context, tx pgx.Tx, replaced []*write) (bool, error) {
	if len(replaced) == 0 {
		return false, nil
	}
	var stored int
	err := tx.QueryRow(ctx, "SELECT count(*) FROM articles").Scan(&stored)
	return stored == len(replaced), err
}

// replaceArticles keeps the stored state of each article in its history, then overwrites it
// and drops its chunks. When everything is replaced the chunks and statistics are emptied
// outright: deleted rows would otherwise stay in the table until the transaction ends, and an
// index built in the same transaction takes them in, which doubles an HNSW build.
func replaceArticles(ctx context.Context, tx pgx.Tx, replaced []*write, everything bool, delta *statsDelta) error {
	if len(replaced) == 0 {
		return nil
	}
	ids := make([]int64, len(replaced))
	for i, w := range replaced {
		ids[i] = w.article.ID
	}
	if _, err := tx.Exec(ctx, `INSERT INTO article_versions (article_id, version, external_id, title, question,
			answer, similar_questions, category, tags, language, status, created_at, updated_at)
		SELECT id, version, external_id, title, question, answer, similar_questions, category, tags, language,
			status, created_at, updated_at
		FROM articles WHERE id = ANY($1)`, ids); err != nil {
		return err
	}
	batch := &pgx.Batch{}
	for _, w := range replaced {
		v := articleValues(&w.article)
		batch.Queue(`UPDATE articles SET external_id = $2, title = $3, question = $4, answer = $5,
			similar_questions = $6, category = $7, tags = $8, language = $9, status = $10, version = $11,
			created_at = $12, updated_at = $13 WHERE id = $1`, v...)
	}
	if err := tx.SendBatch(ctx, batch).Close(); err != nil {
		return err
	}
	if everything {
		for _, q := range []string{
			"TRUNCATE chunks",
			"UPDATE knowledge_stats SET chunks = 0, total_length = 0",
		} {
			if _, err := tx.Exec(ctx, q); err != nil {
				return err
			}
		}
		return nil
	}
	return deleteChunks(ctx, tx, ids, delta)
}

// deleteChunks removes the chunks of articles and counts them out of the statistics.
func deleteChunks(ctx context.Context, tx pgx.Tx, ids []int64, delta *statsDelta) error {
	rows, err := tx.Query(ctx, "DELETE FROM chunks WHERE article_id = ANY($1) RETURNING length", ids)
	if err != nil {
		return err
	}
	var length int
	_, err = pgx.ForEachRow(rows, []any{&length}, func() error {
		delta.add(length, -1)
		return nil
	})
	return err
}

var chunkColumns = []string{"article_id", "ordinal", "kind", "text", "terms", "length", "embedding",
	"published", "language", "category"}

// copyChunks writes the chunks of every write with one COPY.
func copyChunks(ctx context.Context, tx pgx.Tx, writes []write, delta *statsDelta) error {
	var rows [][]any
	for i := range writes {
		rows = appendChunkRows(rows, &writes[i].article, writes[i].chunks, delta)
	}
	if len(rows) == 0 {
		return nil
	}
	_, err := tx.CopyFrom(ctx, pgx.Identifier{"chunks"}, chunkColumns, pgx.CopyFromRows(rows))
	return err
}

func appendChunkRows(rows [][]any, a *knowledge.Article, chunks []knowledge.Chunk, delta *statsDelta) [][]any {
	published := a.Status == knowledge.StatusPublished
	for _, c := range chunks {
		terms := termKeys(c.Terms)
		delta.add(c.Length, 1)
		var emb any
		if c.Embedding != nil {
			emb = pgvector.NewVector(c.Embedding)
		}
		rows = append(rows, []any{a.ID, c.Ordinal, string(c.Kind), c.Text, terms, c.Length, emb,
			published, a.Language, a.Category})
	}
	return rows
}
