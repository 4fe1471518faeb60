// Package memory is an in-memory knowledge.Store: the store of the demo mode (no database) and
// of tests. It ranks exactly as knowledge.SearchQuery specifies, so that it and the PostgreSQL
// store pass the same contract suite (knowledge/storetest).
package memory

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/faqbot/faqbot/knowledge"
)

var _ knowledge.Store = (*Store)(nil)

// Store keeps articles, their chunks and the lexical statistics in memory. It is safe for
// concurrent use; it copies everything it is given and everything it returns.
type Store struct {
	mu         sync.RWMutex
	nextID     int64
	ids        []int64 // ascending: ids are handed out in increasing order
	records    map[int64]*record
	byExternal map[string]int64
	model      *knowledge.EmbeddingModel
	lex        lexicon
}

type record struct {
	article knowledge.Article
	chunks  []storedChunk
	history []knowledge.Article // oldest first
}

// storedChunk keeps the caller's chunk plus the lexicon's numbers of its distinct terms,
// sorted for binary search, and the sum of squares of its embedding.
type storedChunk struct {
	knowledge.Chunk
	termIDs []uint32
	sqNorm  float32
}

// New returns an empty store.
func New() *Store {
	return &Store{
		records:    make(map[int64]*record),
		byExternal: make(map[string]int64),
		lex:        newLexicon(),
	}
}

// CreateArticle implements knowledge.Store.
func (s *Store) CreateArticle(ctx context.Context, a *knowledge.Article, chunks []knowledge.Chunk) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.checkExternalID(a.ExternalID, 0); err != nil {
		return err
	}
	if err := s.checkDimensions(chunks); err != nil {
		return err
	}
	s.create(a, chunks, knowledge.Now())
	return nil
}

// GetArticle implements knowledge.Store.
func (s *Store) GetArticle(ctx context.Context, id int64) (knowledge.Article, error) {
	if err := ctx.Err(); err != nil {
		return knowledge.Article{}, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	r, ok := s.records[id]
	if !ok {
		return knowledge.Article{}, notFound(id)
	}
	return copyArticle(r.article), nil
}

// UpdateArticle implements knowledge.Store.
func (s *Store) UpdateArticle(ctx context.Context, a *knowledge.Article, chunks []knowledge.Chunk) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.records[a.ID]
	if !ok {
		return notFound(a.ID)
	}
	if r.article.Version != a.Version {
		return stale(a.ID, a.Version, r.article.Version)
	}
	if err := s.checkExternalID(a.ExternalID, a.ID); err != nil {
		return err
	}
	if err := s.checkDimensions(chunks); err != nil {
		return err
	}
	s.replace(r, a, chunks, knowledge.Now())
	return nil
}

// DeleteArticle implements knowledge.Store.
func (s *Store) DeleteArticle(ctx context.Context, id int64, version int) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.records[id]
	if !ok {
		return notFound(id)
	}
	if version != 0 && version != r.article.Version {
		return stale(id, version, r.article.Version)
	}
	s.lex.remove(id, r.chunks)
	if r.article.ExternalID != "" {
		delete(s.byExternal, r.article.ExternalID)
	}
	delete(s.records, id)
	if i, found := slices.BinarySearch(s.ids, id); found {
		s.ids = slices.Delete(s.ids, i, i+1)
	}
	return nil
}

// ListArticles implements knowledge.Store.
func (s *Store) ListArticles(ctx context.Context, f knowledge.ListFilter) ([]knowledge.Article, bool, error) {
	if err := ctx.Err(); err != nil {
		return nil, false, err
	}
	if f.Limit < 1 {
		return nil, false, &knowledge.FieldError{Field: "limit", Reason: fmt.Sprintf("must be at least 1, got %d", f.Limit)}
	}
	query := strings.ToLower(f.Query)
	s.mu.RLock()
	defer s.mu.RUnlock()
	start, _ := slices.BinarySearch(s.ids, f.AfterID+1)
	out := []knowledge.Article{}
	for _, id := range s.ids[start:] {
		a := &s.records[id].article
		if !matches(a, f, query) {
			continue
		}
		if len(out) == f.Limit {
			return out, true, nil
		}
		out = append(out, copyArticle(*a))
	}
	return out, false, nil
}

func matches(a *knowledge.Article, f knowledge.ListFilter, lowerQuery string) bool {
	switch {
	case f.Category != "" && a.Category != f.Category,
		f.Status != "" && a.Status != f.Status,
		f.Language != "" && a.Language != f.Language:
		return false
	case lowerQuery == "":
		return true
	}
	return strings.Contains(strings.ToLower(a.Title), lowerQuery) ||
		strings.Contains(strings.ToLower(a.Question), lowerQuery)
}

// UpsertArticles implements knowledge.Store. Every item is checked before anything is
// written, which is what makes the call all-or-nothing.
func (s *Store) UpsertArticles(ctx context.Context, items []knowledge.ArticleChunks) ([]knowledge.UpsertResult, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	targets := make([]*record, len(items))
	inBatch := make(map[string]int, len(items))
	for i, it := range items {
		if it.Article == nil {
			return nil, fmt.Errorf("upsert item %d: no article: %w", i, knowledge.ErrInvalid)
		}
		if err := s.checkDimensions(it.Chunks); err != nil {
			return nil, fmt.Errorf("upsert item %d: %w", i, err)
		}
		ext := it.Article.ExternalID
		if ext == "" {
			continue
		}
		if j, dup := inBatch[ext]; dup {
			return nil, fmt.Errorf("upsert item %d: external_id %q is also used by item %d: %w", i, ext, j, knowledge.ErrConflict)
		}
		inBatch[ext] = i
		if id, ok := s.byExternal[ext]; ok {
			targets[i] = s.records[id]
		}
	}
	now := knowledge.Now()
	results := make([]knowledge.UpsertResult, len(items))
	for i, it := range items {
		if r := targets[i]; r != nil {
			it.Article.ID = r.article.ID
			s.replace(r, it.Article, it.Chunks, now)
			results[i] = knowledge.UpsertResult{ID: it.Article.ID}
			continue
		}
		s.create(it.Article, it.Chunks, now)
		results[i] = knowledge.UpsertResult{ID: it.Article.ID, Created: true}
	}
	return results, nil
}

// History implements knowledge.Store.
func (s *Store) History(ctx context.Context, id int64) ([]knowledge.Article, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	r, ok := s.records[id]
	if !ok {
		return nil, notFound(id)
	}
	out := make([]knowledge.Article, 0, len(r.history))
	for i := len(r.history) - 1; i >= 0; i-- {
		out = append(out, copyArticle(r.history[i]))
	}
	return out, nil
}

// CountArticles implements knowledge.Store.
func (s *Store) CountArticles(ctx context.Context) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	return len(s.records), nil
}

// EnsureModel implements knowledge.Store.
func (s *Store) EnsureModel(ctx context.Context, m knowledge.EmbeddingModel) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.model == nil {
		// Vectors written before any model was recorded must fit the one recorded now.
		for id, r := range s.records {
			for _, c := range r.chunks {
				if c.Embedding != nil && len(c.Embedding) != m.Dimensions {
					return fmt.Errorf("article %d holds vectors of %d dimensions, not %d; run `faqbot reindex`: %w",
						id, len(c.Embedding), m.Dimensions, knowledge.ErrModelMismatch)
				}
			}
		}
		s.model = &m
		return nil
	}
	if *s.model != m {
		return mismatch(*s.model, m)
	}
	return nil
}

// reindexBatch is how many articles one call of the chunk function receives.
const reindexBatch = 256

// Reindex implements knowledge.Store. The write lock is held throughout, as a transaction
// would hold its locks, so chunk must not call back into the store.
func (s *Store) Reindex(ctx context.Context, m knowledge.EmbeddingModel,
	chunk func(ctx context.Context, batch []knowledge.Article) ([][]knowledge.Chunk, error)) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	fresh := make([][]storedChunk, len(s.ids))
	for start := 0; start < len(s.ids); start += reindexBatch {
		if err := ctx.Err(); err != nil {
			return 0, err
		}
		end := min(start+reindexBatch, len(s.ids))
		batch := make([]knowledge.Article, 0, end-start)
		for _, id := range s.ids[start:end] {
			batch = append(batch, copyArticle(s.records[id].article))
		}
		chunks, err := chunk(ctx, batch)
		if err != nil {
			return 0, fmt.Errorf("reindex: %w", err)
		}
		if len(chunks) != len(batch) {
			return 0, fmt.Errorf("reindex: %d chunk lists for %d articles", len(chunks), len(batch))
		}
		for i, cs := range chunks {
			if err := checkDimensions(cs, m.Dimensions); err != nil {
				return 0, fmt.Errorf("reindex article %d: %w", batch[i].ID, err)
			}
			fresh[start+i] = storeChunks(cs)
		}
	}
	s.lex = newLexicon()
	for i, id := range s.ids {
		r := s.records[id]
		r.chunks = fresh[i]
		s.lex.add(id, r.chunks)
	}
	s.model = &m
	return len(s.ids), nil
}

// create stores a new article; the caller has checked it and holds the write lock.
func (s *Store) create(a *knowledge.Article, chunks []knowledge.Chunk, now time.Time) {
	s.nextID++
	a.ID = s.nextID
	a.Version = 1
	a.CreatedAt, a.UpdatedAt = now, now
	r := &record{article: copyArticle(*a), chunks: storeChunks(chunks)}
	s.records[a.ID] = r
	s.ids = append(s.ids, a.ID)
	if a.ExternalID != "" {
		s.byExternal[a.ExternalID] = a.ID
	}
	s.lex.add(a.ID, r.chunks)
}

// replace makes a the next version of r, keeping the current one in the history.
func (s *Store) replace(r *record, a *knowledge.Article, chunks []knowledge.Chunk, now time.Time) {
	prev := r.article
	r.history = append(r.history, prev)
	a.Version = prev.Version + 1
	a.CreatedAt, a.UpdatedAt = prev.CreatedAt, now
	if prev.ExternalID != "" {
		delete(s.byExternal, prev.ExternalID)
	}
	if a.ExternalID != "" {
		s.byExternal[a.ExternalID] = a.ID
	}
	s.lex.remove(a.ID, r.chunks)
	r.article = copyArticle(*a)
	r.chunks = storeChunks(chunks)
	s.lex.add(a.ID, r.chunks)
}

// checkExternalID reports ErrConflict when ext belongs to an article other than self.
func (s *Store) checkExternalID(ext string, self int64) error {
	if ext == "" {
		return nil
	}
	if id, ok := s.byExternal[ext]; ok && id != self {
		return fmt.Errorf("external_id %q is already used by article %d: %w", ext, id, knowledge.ErrConflict)
	}
	return nil
}

// checkDimensions refuses vectors of another length than the recorded model's, as a typed
// pgvector column would.
func (s *Store) checkDimensions(chunks []knowledge.Chunk) error {
	if s.model == nil {
		return nil
	}
	return checkDimensions(chunks, s.model.Dimensions)
}

func checkDimensions(chunks []knowledge.Chunk, dims int) error {
	for _, c := range chunks {
		if c.Embedding != nil && len(c.Embedding) != dims {
			return fmt.Errorf("chunk %d has %d dimensions, the store holds %d: %w",
				c.Ordinal, len(c.Embedding), dims, knowledge.ErrModelMismatch)
		}
	}
	return nil
}

func storeChunks(in []knowledge.Chunk) []storedChunk {
	out := make([]storedChunk, len(in))
	for i, c := range in {
		c.Terms = slices.Clone(c.Terms)
		c.Embedding = slices.Clone(c.Embedding)
		out[i] = storedChunk{Chunk: c, sqNorm: sumSquares(c.Embedding)}
	}
	return out
}

// copyArticle shares no slice with a; empty lists come back empty, never nil, as a database
// returns them.
func copyArticle(a knowledge.Article) knowledge.Article {
	a.SimilarQuestions = append([]string{}, a.SimilarQuestions...)
	a.Tags = append([]string{}, a.Tags...)
	return a
}

func notFound(id int64) error {
	return fmt.Errorf("article %d: %w", id, knowledge.ErrNotFound)
}

func stale(id int64, got, current int) error {
	return fmt.Errorf("article %d: version %d is stale, the current version is %d: %w", id, got, current, knowledge.ErrConflict)
}

func mismatch(have, want knowledge.EmbeddingModel) error {
	return fmt.Errorf("the store holds vectors of %s (%d dimensions), not %s (%d dimensions); run `faqbot reindex`: %w",
		have.Name, have.Dimensions, want.Name, want.Dimensions, knowledge.ErrModelMismatch)
}
