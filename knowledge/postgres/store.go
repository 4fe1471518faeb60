// Package postgres is the knowledge.Store on PostgreSQL with pgvector: articles and their
// history, chunks with HNSW-indexed embeddings and their lexical terms, and the hybrid search
// knowledge.SearchQuery specifies. The vector side reads the HNSW index (approximate, see
// internal/postgres HNSWEfSearch); the lexical side runs exactly on an index of the chunks'
// terms in this process's memory (lexindex.go), which every search checks against the
// database's generation counter in the statement it runs anyway (lexsync.go). Every score it
// reports is exact.
//
// The pool must come from internal/postgres.Connect (pgvector types registered, HNSW search
// settings applied) on a database that internal/postgres.Migrate has brought up to date.
package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	ipg "github.com/faqbot/faqbot/internal/postgres"
	"github.com/faqbot/faqbot/knowledge"
)

var _ knowledge.Store = (*Store)(nil)

// Store is a knowledge.Store on a pgx pool. It is safe for concurrent use. Each Store holds
// its own lexical index and article cache, so a process should make one per database.
type Store struct {
	pool    *pgxpool.Pool
	lex     *lexIndex
	content *contentCache
}

// New returns a store on pool. Its lexical index is loaded by the first search (or Warm).
func New(pool *pgxpool.Pool) *Store {
	content := newContentCache(defaultContentBytes)
	return &Store{pool: pool, lex: newLexIndex(pool, content), content: content}
}

// Warm loads the lexical index now rather than at the first search, which it would otherwise
// slow down by the load (about a second per 30,000 articles).
func (s *Store) Warm(ctx context.Context) error {
	if _, err := s.lex.readLocked(ctx); err != nil {
		return dbError(err, "load the lexical index")
	}
	s.lex.mu.RUnlock()
	return nil
}

// articleColumns is the select list that articleRow scans by name.
const articleColumns = `id, coalesce(external_id, '') AS external_id, title, question, answer, similar_questions,
	category, tags, language, status, version, created_at, updated_at`

type articleRow struct {
	ID               int64     `db:"id"`
	ExternalID       string    `db:"external_id"`
	Title            string    `db:"title"`
	Question         string    `db:"question"`
	Answer           string    `db:"answer"`
	SimilarQuestions []string  `db:"similar_questions"`
	Category         string    `db:"category"`
	Tags             []string  `db:"tags"`
	Language         string    `db:"language"`
	Status           string    `db:"status"`
	Version          int       `db:"version"`
	CreatedAt        time.Time `db:"created_at"`
	UpdatedAt        time.Time `db:"updated_at"`
}

func (r articleRow) article() knowledge.Article {
	return knowledge.Article{
		ID:               r.ID,
		ExternalID:       r.ExternalID,
		Title:            r.Title,
		Question:         r.Question,
		Answer:           r.Answer,
		SimilarQuestions: nonNil(r.SimilarQuestions),
		Category:         r.Category,
		Tags:             nonNil(r.Tags),
		Language:         r.Language,
		Status:           knowledge.Status(r.Status),
		Version:          r.Version,
		CreatedAt:        r.CreatedAt.UTC(),
		UpdatedAt:        r.UpdatedAt.UTC(),
	}
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func collectArticles(rows pgx.Rows) ([]knowledge.Article, error) {
	got, err := pgx.CollectRows(rows, pgx.RowToStructByName[articleRow])
	if err != nil {
		return nil, err
	}
	out := make([]knowledge.Article, len(got))
	for i, r := range got {
		out[i] = r.article()
	}
	return out, nil
}

// GetArticle implements knowledge.Store.
func (s *Store) GetArticle(ctx context.Context, id int64) (knowledge.Article, error) {
	rows, _ := s.pool.Query(ctx, "SELECT "+articleColumns+" FROM articles WHERE id = $1", id)
	r, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[articleRow])
	if err != nil {
		return knowledge.Article{}, dbError(err, "get article %d", id)
	}
	return r.article(), nil
}

// ListArticles implements knowledge.Store: keyset pagination by id, one row more than asked
// telling whether another page follows.
func (s *Store) ListArticles(ctx context.Context, f knowledge.ListFilter) ([]knowledge.Article, bool, error) {
	if f.Limit < 1 {
		return nil, false, &knowledge.FieldError{Field: "limit", Reason: fmt.Sprintf("must be at least 1, got %d", f.Limit)}
	}
	rows, _ := s.pool.Query(ctx, "SELECT "+articleColumns+` FROM articles
		WHERE id > $1
		  AND ($2 = '' OR category = $2)
		  AND ($3 = '' OR status = $3)
		  AND ($4 = '' OR language = $4)
		  AND ($5 = '' OR strpos(lower(title), $5) > 0 OR strpos(lower(question), $5) > 0)
		ORDER BY id
		LIMIT $6`,
		f.AfterID, f.Category, string(f.Status), f.Language, strings.ToLower(f.Query), f.Limit+1)
	out, err := collectArticles(rows)
	if err != nil {
		return nil, false, dbError(err, "list articles")
	}
	if len(out) > f.Limit {
		return out[:f.Limit], true, nil
	}
	return out, false, nil
}

// History implements knowledge.Store.
func (s *Store) History(ctx context.Context, id int64) ([]knowledge.Article, error) {
	rows, _ := s.pool.Query(ctx, `SELECT `+strings.Replace(articleColumns, "id,", "article_id AS id,", 1)+`
		FROM article_versions WHERE article_id = $1 ORDER BY version DESC`, id)
	out, err := collectArticles(rows)
	if err != nil {
		return nil, dbError(err, "history of article %d", id)
	}
	if len(out) == 0 {
		// No history may mean a first version or no article at all; only the latter is an error.
		if _, err := s.GetArticle(ctx, id); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// CountArticles implements knowledge.Store.
func (s *Store) CountArticles(ctx context.Context) (int, error) {
	var n int
	if err := s.pool.QueryRow(ctx, "SELECT count(*) FROM articles").Scan(&n); err != nil {
		return 0, dbError(err, "count articles")
	}
	return n, nil
}

// kinds maps driver errors to the knowledge domain's, as every store of ours does.
var kinds = ipg.Kinds{
	NotFound: knowledge.ErrNotFound,
	Conflict: knowledge.ErrConflict,
	Invalid:  knowledge.ErrInvalid,
	Constraints: map[string]string{
		"articles_external_id_key": "external_id is already used by another article",
	},
	MissingRef: "the article is gone",
}

// dbError turns a driver error into the domain's error kinds, with what was being done. A
// vector of another dimension than the column's is the knowledge domain's own kind.
func dbError(err error, format string, args ...any) error {
	what := fmt.Sprintf(format, args...)
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "22000" && strings.Contains(pgErr.Message, "dimensions") {
		return fmt.Errorf("%s: %s: %w", what, pgErr.Message, knowledge.ErrModelMismatch)
	}
	return kinds.Wrap(err, what)
}
