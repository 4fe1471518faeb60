package knowledge

import (
	"context"
	"time"
)

// Chunk is one indexed piece of an article: its question, a similar question, or a slice of the
// title and answer. Retrieval ranks chunks and reports each article by its best chunk.
type Chunk struct {
	Ordinal   int
	Kind      ChunkKind
	Text      string
	Terms     []string  // distinct lexical terms of Text (see Tokenize)
	Length    int       // number of tokens in Text, before de-duplication
	Embedding []float32 // from the store's recorded embedding model
}

// ChunkKind says which part of an article a chunk comes from.
type ChunkKind string

const (
	ChunkQuestion ChunkKind = "question"
	ChunkSimilar  ChunkKind = "similar"
	ChunkAnswer   ChunkKind = "answer"
)

// ListFilter selects articles for editors. Zero values mean "any".
type ListFilter struct {
	Query    string // case-insensitive substring of title or question
	Category string
	Status   Status
	Language string
	Limit    int   // 1..200, already validated
	AfterID  int64 // keyset cursor: only articles with a larger id
}

// EmbeddingModel is what the store records about the vectors it holds.
type EmbeddingModel struct {
	Name       string
	Dimensions int
}

// UpsertResult tells, for one article of an import, whether it was created or updated.
type UpsertResult struct {
	ID      int64
	Created bool
}

// SearchQuery is one hybrid retrieval over published articles.
//
// Both stores must rank exactly the same way, so the contract is spelled out here and the
// contract suite (knowledge/storetest) compares scores to 1e-6:
//
// Vector side: similarity(chunk) = 1 - cosine distance(chunk.Embedding, Vector); an article's
// similarity is the best of its chunks; the PerSide most similar articles get vector ranks 1..n.
// (PostgreSQL reads the PerSide nearest chunks through the HNSW index, so its candidate set
// may differ from the exact one when ef_search is too low or the nearest chunks crowd into
// fewer articles; the contract suite uses small sets where it is exact.)
//
// Lexical side (BM25 with binary term frequency, which is what short FAQ texts have), exactly
// as below in both stores (PostgreSQL's keeps an index of the terms in the server's memory and
// prunes with bounds that never drop an article that could rank).
//
//   - N = number of chunks in the store (any status), avgLen = mean Chunk.Length over them,
//     df(t) = number of chunks whose Terms contain t;
//   - the query terms are Terms de-duplicated; terms with df = 0 are dropped; of the rest the
//     MaxTerms with the highest idf are kept (ties: the term that comes first in Terms);
//   - idf(t) = ln(1 + (N - df + 0.5) / (df + 0.5));
//   - score(chunk) = sum over kept terms t in chunk.Terms of
//     idf(t) * (K1 + 1) / (1 + K1 * (1 - B + B * chunk.Length / avgLen));
//   - an article's lexical score is the best of its chunks; the PerSide best articles with a
//     score > 0 get lexical ranks 1..n.
//
// Fusion (reciprocal rank): fused = VectorWeight/(RRFK + vrank) + LexicalWeight/(RRFK + lrank),
// a side the article is not ranked on adds 0; plus LanguageBonus when the article's language
// equals Language. Results are sorted by fused score (ties: lower article id first) and cut to
// Limit.
//
// Decisions where the above is silent (both stores follow them):
//   - Only published articles matching Category (when set) take part on either side; N, avgLen
//     and df stay over all chunks. The results are the union of both sides' candidates.
//   - Equal similarities or lexical scores rank the lower article id first; within an article,
//     equal chunk scores pick the lower Ordinal (for Hit.ChunkKind/ChunkText).
//   - An empty Vector skips the vector side (Similarity is then 0); a Vector whose length
//     differs from the stored embeddings is ErrModelMismatch. Chunks without an embedding take
//     no part on the vector side. Embedders never return zero vectors (pgvector would give NaN).
//   - Similarity follows pgvector: 1 - cosine distance, the cosine clamped to [-1, 1].
//   - Chunk.Terms is read as a set (binary tf). MaxTerms < 1 keeps every query term.
//   - Limit and PerSide below 1 are ErrInvalid (a *FieldError naming "limit" or "per_side").
//   - Hit.Similarity and Hit.LexicalScore are computed for every returned article, also on
//     the side it is not ranked on; except that with OmitLexicalOnlySimilarity an article
//     without a vector rank has Similarity 0.
type SearchQuery struct {
	Vector        []float32
	Terms         []string
	Language      string // preferred language; "" for none
	Category      string // optional filter
	Limit         int    // articles to return
	PerSide       int    // candidates taken from each side before fusion
	MaxTerms      int
	K1, B         float64
	RRFK          float64
	VectorWeight  float64
	LexicalWeight float64
	LanguageBonus float64
	// OmitLexicalOnlySimilarity spares the store the similarity of the articles only the
	// lexical side ranked, which costs PostgreSQL a distance for every chunk of every lexical
	// candidate; the service asks for it only when its rerank uses the similarity.
	OmitLexicalOnlySimilarity bool
	// Meanwhile, when set, takes articles likely to be among the hits (in their current
	// version) that the store already holds while it waits on its database, so that the
	// caller can start on them. A store may call it at most once, from the goroutine of
	// Search, before Search returns, or never: the hits decide what is returned. The articles
	// may be the store's own copies: read them, never change them.
	Meanwhile func(likely []*Article)
}

// Hit is one ranked article with the evidence that ranked it.
type Hit struct {
	Article      Article
	ChunkKind    ChunkKind // the best chunk by similarity, or by lexical score when it has no vector rank
	ChunkText    string
	Similarity   float64 // best cosine similarity of the article's chunks (computed even without a vector rank)
	VectorRank   int     // 0 when not among the vector candidates
	LexicalScore float64 // best lexical score, 0 when no kept term matched
	LexicalRank  int     // 0 when not among the lexical candidates
	Fused        float64
}

// Store keeps articles and their chunks. Implementations: knowledge/memory and
// knowledge/postgres; both pass knowledge/storetest.
type Store interface {
	// CreateArticle inserts a with its chunks, setting ID, Version (1), CreatedAt, UpdatedAt.
	// A duplicate non-empty ExternalID is ErrConflict.
	CreateArticle(ctx context.Context, a *Article, chunks []Chunk) error
	// GetArticle returns ErrNotFound for an unknown id.
	GetArticle(ctx context.Context, id int64) (Article, error)
	// UpdateArticle replaces the article whose ID and Version match a; a stale Version is
	// ErrConflict, an unknown ID ErrNotFound. On success a.Version is incremented and the
	// previous state is kept in the version history.
	UpdateArticle(ctx context.Context, a *Article, chunks []Chunk) error
	// DeleteArticle removes the article; version 0 skips the version check.
	DeleteArticle(ctx context.Context, id int64, version int) error
	// ListArticles returns up to f.Limit articles ordered by id, and whether more follow.
	ListArticles(ctx context.Context, f ListFilter) ([]Article, bool, error)
	// UpsertArticles writes all items in one transaction: an item whose ExternalID exists
	// replaces that article (its Version increments; the Version in the item is not checked),
	// others are created. Either every item is written or none is; two items with the same
	// non-empty ExternalID are ErrConflict. Results are parallel to items.
	UpsertArticles(ctx context.Context, items []ArticleChunks) ([]UpsertResult, error)
	// History returns the earlier versions of an article, newest first; ErrNotFound for an
	// unknown (or deleted) id.
	History(ctx context.Context, id int64) ([]Article, error)
	// CountArticles counts all articles of any status.
	CountArticles(ctx context.Context) (int, error)
	// Search ranks published articles as SearchQuery describes.
	Search(ctx context.Context, q SearchQuery) ([]Hit, error)
	// EnsureModel records m if the store has no model yet, and returns ErrModelMismatch when
	// it holds vectors of another model or dimension. Once a model is recorded, writing a
	// chunk embedding of another dimension is ErrModelMismatch.
	EnsureModel(ctx context.Context, m EmbeddingModel) error
	// Reindex re-embeds every article with a new model: it calls chunk for batches of
	// articles, replaces all chunks, and records m, all in one transaction.
	Reindex(ctx context.Context, m EmbeddingModel, chunk func(ctx context.Context, batch []Article) ([][]Chunk, error)) (int, error)
}

// ArticleChunks is an article with its chunks, ready to write.
type ArticleChunks struct {
	Article *Article
	Chunks  []Chunk
}

// Now is the clock the stores share, truncated to the microseconds PostgreSQL keeps.
func Now() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }
