package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/faqbot/faqbot/knowledge"
)

// maxIndexedDims is the largest vector an HNSW index of pgvector takes. A model with more
// dimensions is stored and searched exactly, without the index; ask such a model for fewer
// dimensions (OpenAI's text-embedding-3 models take a dimensions parameter) to keep search fast.
const maxIndexedDims = 2000

// maxDims is the largest vector pgvector stores.
const maxDims = 16000

// EnsureModel implements knowledge.Store. The first call types the embedding column for the
// model's dimension and builds the HNSW index; later calls only compare.
func (s *Store) EnsureModel(ctx context.Context, m knowledge.EmbeddingModel) error {
	if err := checkModel(m); err != nil {
		return err
	}
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := lockWriters(ctx, tx); err != nil {
			return err
		}
		have, err := recordedModel(ctx, tx)
		if err != nil {
			return err
		}
		if have != nil {
			if *have != m {
				return mismatch(*have, m)
			}
			return nil
		}
		var other int
		err = tx.QueryRow(ctx, `SELECT vector_dims(embedding) FROM chunks
			WHERE embedding IS NOT NULL AND vector_dims(embedding) <> $1 LIMIT 1`, m.Dimensions).Scan(&other)
		switch {
		case err == nil:
			return fmt.Errorf("the store holds vectors of %d dimensions, not %d; run `faqbot reindex`: %w",
				other, m.Dimensions, knowledge.ErrModelMismatch)
		case err != pgx.ErrNoRows:
			return err
		}
		if err := typeEmbeddings(ctx, tx, m.Dimensions); err != nil {
			return err
		}
		if err := buildIndex(ctx, tx, m.Dimensions); err != nil {
			return err
		}
		return recordModel(ctx, tx, m)
	})
	if err != nil {
		return dbError(err, "check the embedding model")
	}
	return nil
}

func checkModel(m knowledge.EmbeddingModel) error {
	if m.Name == "" {
		return &knowledge.FieldError{Field: "model", Reason: "must be named"}
	}
	if m.Dimensions < 1 || m.Dimensions > maxDims {
		return &knowledge.FieldError{Field: "dimensions", Reason: fmt.Sprintf("must be between 1 and %d, got %d", maxDims, m.Dimensions)}
	}
	return nil
}

func recordedModel(ctx context.Context, tx pgx.Tx) (*knowledge.EmbeddingModel, error) {
	var m knowledge.EmbeddingModel
	err := tx.QueryRow(ctx, "SELECT name, dimensions FROM embedding_model").Scan(&m.Name, &m.Dimensions)
	if err == pgx.ErrNoRows {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &m, nil
}

func recordModel(ctx context.Context, tx pgx.Tx, m knowledge.EmbeddingModel) error {
	_, err := tx.Exec(ctx, `INSERT INTO embedding_model (name, dimensions) VALUES ($1, $2)
		ON CONFLICT (singleton) DO UPDATE SET name = excluded.name, dimensions = excluded.dimensions, updated_at = now()`,
		m.Name, m.Dimensions)
	return err
}

// typeEmbeddings fixes the embedding column to dims and drops the HNSW index built for another.
// Changing the type resets the column's storage to the type's (EXTERNAL), so the same command
// sets MAIN again (see migration 011_search.sql).
func typeEmbeddings(ctx context.Context, tx pgx.Tx, dims int) error {
	if _, err := tx.Exec(ctx, "DROP INDEX IF EXISTS chunks_embedding_idx"); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, fmt.Sprintf(
		"ALTER TABLE chunks ALTER COLUMN embedding TYPE vector(%d), ALTER COLUMN embedding SET STORAGE MAIN", dims))
	return err
}

// buildIndex builds the HNSW index over the published chunks, the only ones searched. The
// build uses the server's maintenance_work_mem (the graph of about 35,000 vectors of 256
// dimensions fits the default 64MB; a larger graph is built on disk, several times slower) and
// its parallel workers. Parallel workers share the graph through dynamic shared memory, which
// a container with a small /dev/shm cannot provide; the build is then retried without them.
func buildIndex(ctx context.Context, tx pgx.Tx, dims int) error {
	if dims > maxIndexedDims {
		return nil
	}
	const create = "CREATE INDEX chunks_embedding_idx ON chunks USING hnsw (embedding vector_cosine_ops) WHERE published"
	err := pgx.BeginFunc(ctx, tx, func(sp pgx.Tx) error {
		_, err := sp.Exec(ctx, create)
		return err
	})
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != "53200" { // out_of_memory, as a failed shm resize reports
		return err
	}
	if _, err := tx.Exec(ctx, "SET LOCAL max_parallel_maintenance_workers = 0"); err != nil {
		return err
	}
	_, err = tx.Exec(ctx, create)
	return err
}

func mismatch(have, want knowledge.EmbeddingModel) error {
	return fmt.Errorf("the store holds vectors of %s (%d dimensions), not %s (%d dimensions); run `faqbot reindex`: %w",
		have.Name, have.Dimensions, want.Name, want.Dimensions, knowledge.ErrModelMismatch)
}

// reindexBatch is how many articles one call of the chunk function receives.
const reindexBatch = 256

// Reindex implements knowledge.Store. The slow part, embedding every article, fills a
// temporary table while searches go on over the old chunks; only the swap at the end (empty
// the chunks, retype the column, copy, rebuild the statistics and the HNSW index) holds the lock
// that makes searches wait.
func (s *Store) Reindex(ctx context.Context, m knowledge.EmbeddingModel,
	chunk func(ctx context.Context, batch []knowledge.Article) ([][]knowledge.Chunk, error)) (int, error) {
	if err := checkModel(m); err != nil {
		return 0, err
	}
	var count int
	var gen int64
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := lockWriters(ctx, tx); err != nil {
			return err
		}
		for _, q := range []string{
			"CREATE TEMPORARY TABLE reindexed (LIKE chunks) ON COMMIT DROP",
			"ALTER TABLE reindexed ALTER COLUMN embedding TYPE vector",
		} {
			if _, err := tx.Exec(ctx, q); err != nil {
				return err
			}
		}
		var err error
		if count, err = stageChunks(ctx, tx, m, chunk); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "TRUNCATE chunks"); err != nil {
			return err
		}
		if err := typeEmbeddings(ctx, tx, m.Dimensions); err != nil {
			return err
		}
		for _, q := range []string{
			"INSERT INTO chunks SELECT * FROM reindexed",
			"UPDATE knowledge_stats SET (chunks, total_length) = (SELECT count(*), coalesce(sum(length), 0) FROM chunks)",
		} {
			if _, err := tx.Exec(ctx, q); err != nil {
				return err
			}
		}
		// Chunk texts may change while versions stay: every replica reloads (see contentCache).
		if gen, err = logChanges(ctx, tx, nil, true); err != nil {
			return err
		}
		// Built after the copy: one build is faster than growing an index row by row.
		if err := buildIndex(ctx, tx, m.Dimensions); err != nil {
			return err
		}
		return recordModel(ctx, tx, m)
	})
	if err != nil {
		return 0, dbError(err, "reindex")
	}
	s.lex.wrote(gen)
	return count, nil
}

// stageChunks re-chunks every article, a batch at a time in id order, into the temporary table.
func stageChunks(ctx context.Context, tx pgx.Tx, m knowledge.EmbeddingModel,
	chunk func(ctx context.Context, batch []knowledge.Article) ([][]knowledge.Chunk, error)) (int, error) {
	count := 0
	var after int64
	for {
		rows, _ := tx.Query(ctx, "SELECT "+articleColumns+" FROM articles WHERE id > $1 ORDER BY id LIMIT $2", after, reindexBatch)
		batch, err := collectArticles(rows)
		if err != nil {
			return 0, err
		}
		if len(batch) == 0 {
			return count, nil
		}
		chunks, err := chunk(ctx, batch)
		if err != nil {
			return 0, fmt.Errorf("re-chunk articles %d..%d: %w", batch[0].ID, batch[len(batch)-1].ID, err)
		}
		if len(chunks) != len(batch) {
			return 0, fmt.Errorf("re-chunk: %d chunk lists for %d articles", len(chunks), len(batch))
		}
		var rowsOut [][]any
		var ignored statsDelta // rebuilt from the table at the end
		for i := range batch {
			w := write{article: batch[i], chunks: chunks[i]}
			if err := w.check(&m.Dimensions); err != nil {
				return 0, fmt.Errorf("re-chunk article %d: %w", batch[i].ID, err)
			}
			rowsOut = appendChunkRows(rowsOut, &batch[i], chunks[i], &ignored)
		}
		if len(rowsOut) > 0 {
			if _, err := tx.CopyFrom(ctx, pgx.Identifier{"reindexed"}, chunkColumns, pgx.CopyFromRows(rowsOut)); err != nil {
				return 0, err
			}
		}
		count += len(batch)
		after = batch[len(batch)-1].ID
	}
}
