package knowledge

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// SearchParams are the retrieval knobs; DefaultSearchParams holds the values tuned with
// `faqbot eval` (docs/quality.md).
type SearchParams struct {
	PerSide       int
	MaxTerms      int
	K1, B         float64
	RRFK          float64
	VectorWeight  float64
	LexicalWeight float64
	LanguageBonus float64
}

// DefaultSearchParams returns the tuned defaults. They shape the candidates the store returns
// (rerankDepth of them), which the service then reranks.
func DefaultSearchParams() SearchParams {
	return SearchParams{
		PerSide:       40,
		MaxTerms:      16,
		K1:            1.2,
		B:             0.75,
		RRFK:          60,
		VectorWeight:  1,
		LexicalWeight: 1,
		LanguageBonus: 0.002,
	}
}

// Limits of a search request.
const (
	MaxQueryLen = 2000
	MaxTopK     = 50
)

// Service is what editors, the bot and the eval harness use: it validates articles, turns them
// into embedded chunks and ranks them for a question.
type Service struct {
	store    Store
	embedder Embedder
	params   SearchParams
	features *featureCache
}

// NewService returns a service over store that embeds with embedder.
func NewService(store Store, embedder Embedder, params SearchParams) *Service {
	return &Service{store: store, embedder: embedder, params: params, features: newFeatureCache(defaultFeatureBytes)}
}

// Model is the embedding model this service writes and queries with.
func (s *Service) Model() EmbeddingModel {
	return EmbeddingModel{Name: s.embedder.Model(), Dimensions: s.embedder.Dimensions()}
}

// EnsureModel checks that the store's vectors come from this service's embedder.
func (s *Service) EnsureModel(ctx context.Context) error {
	return s.store.EnsureModel(ctx, s.Model())
}

// Create validates and stores a new article.
func (s *Service) Create(ctx context.Context, a Article) (Article, error) {
	a.Normalize()
	if err := a.Validate(); err != nil {
		return Article{}, err
	}
	chunks, err := s.prepare(ctx, []*Article{&a})
	if err != nil {
		return Article{}, err
	}
	if err := s.store.CreateArticle(ctx, &a, chunks[0]); err != nil {
		return Article{}, err
	}
	return a, nil
}

// Get returns one article.
func (s *Service) Get(ctx context.Context, id int64) (Article, error) {
	return s.store.GetArticle(ctx, id)
}

// Update replaces the article a.ID whose current version is a.Version.
func (s *Service) Update(ctx context.Context, a Article) (Article, error) {
	a.Normalize()
	if a.Version < 1 {
		return Article{}, fieldErr("version", "is required: send the version you edited, so a concurrent edit is not overwritten")
	}
	if err := a.Validate(); err != nil {
		return Article{}, err
	}
	chunks, err := s.prepare(ctx, []*Article{&a})
	if err != nil {
		return Article{}, err
	}
	if err := s.store.UpdateArticle(ctx, &a, chunks[0]); err != nil {
		return Article{}, err
	}
	return a, nil
}

// Delete removes an article; version 0 deletes whatever version is current.
func (s *Service) Delete(ctx context.Context, id int64, version int) error {
	return s.store.DeleteArticle(ctx, id, version)
}

// History returns the earlier versions of an article, newest first.
func (s *Service) History(ctx context.Context, id int64) ([]Article, error) {
	if _, err := s.store.GetArticle(ctx, id); err != nil {
		return nil, err
	}
	return s.store.History(ctx, id)
}

// List returns a page of articles and whether more follow.
func (s *Service) List(ctx context.Context, f ListFilter) ([]Article, bool, error) {
	if f.Status != "" {
		switch f.Status {
		case StatusDraft, StatusPublished, StatusArchived:
		default:
			return nil, false, fieldErr("status", "must be draft, published or archived")
		}
	}
	if f.Language != "" && !Languages[f.Language] {
		return nil, false, fieldErr("language", "unknown language %q", clip(f.Language))
	}
	return s.store.ListArticles(ctx, f)
}

// Count counts all articles.
func (s *Service) Count(ctx context.Context) (int, error) { return s.store.CountArticles(ctx) }

// ImportRow is one parsed row of an import file. Err is set when the row could not be parsed.
type ImportRow struct {
	Row     int
	Article Article
	Err     error
}

// RowError reports why one row of an import was not written.
type RowError struct {
	Row   int    `json:"row"`
	Error string `json:"error"`
}

// ImportReport summarises an import.
type ImportReport struct {
	Created int        `json:"created"`
	Updated int        `json:"updated"`
	Failed  []RowError `json:"failed"`
}

// Import validates every row, then writes all valid rows in one transaction, upserting by
// external_id. Bad rows are reported and never stop the good ones; a failure of the store
// itself writes nothing.
func (s *Service) Import(ctx context.Context, rows []ImportRow) (ImportReport, error) {
	report := ImportReport{Failed: []RowError{}}
	firstRowOf := make(map[string]int)
	var valid []*Article
	for i := range rows {
		r := &rows[i]
		if r.Err != nil {
			report.Failed = append(report.Failed, RowError{Row: r.Row, Error: r.Err.Error()})
			continue
		}
		a := r.Article
		a.Normalize()
		if err := a.Validate(); err != nil {
			report.Failed = append(report.Failed, RowError{Row: r.Row, Error: err.Error()})
			continue
		}
		if a.ExternalID != "" {
			if first, dup := firstRowOf[a.ExternalID]; dup {
				report.Failed = append(report.Failed, RowError{Row: r.Row,
					Error: fmt.Sprintf("external_id: %q is also used by row %d of this file", clip(a.ExternalID), first)})
				continue
			}
			firstRowOf[a.ExternalID] = r.Row
		}
		valid = append(valid, &a)
	}
	if len(valid) == 0 {
		return report, nil
	}
	chunks, err := s.prepare(ctx, valid)
	if err != nil {
		return ImportReport{}, err
	}
	items := make([]ArticleChunks, len(valid))
	for i, a := range valid {
		items[i] = ArticleChunks{Article: a, Chunks: chunks[i]}
	}
	results, err := s.store.UpsertArticles(ctx, items)
	if err != nil {
		return ImportReport{}, err
	}
	for _, r := range results {
		if r.Created {
			report.Created++
		} else {
			report.Updated++
		}
	}
	return report, nil
}

// embedBatch bounds one call to the embedder.
const embedBatch = 256

// prepare chunks and embeds articles; the result is parallel to articles.
func (s *Service) prepare(ctx context.Context, articles []*Article) ([][]Chunk, error) {
	out := make([][]Chunk, len(articles))
	var texts []string
	for i, a := range articles {
		out[i] = ChunkArticle(*a)
		for _, c := range out[i] {
			texts = append(texts, c.Text)
		}
	}
	vectors := make([][]float32, 0, len(texts))
	for start := 0; start < len(texts); start += embedBatch {
		end := min(start+embedBatch, len(texts))
		v, err := s.embedder.Embed(ctx, texts[start:end])
		if err != nil {
			return nil, fmt.Errorf("embed articles: %w", err)
		}
		if len(v) != end-start {
			return nil, fmt.Errorf("embed articles: %d vectors for %d texts", len(v), end-start)
		}
		vectors = append(vectors, v...)
	}
	k := 0
	for i := range out {
		for j := range out[i] {
			out[i][j].Embedding = vectors[k]
			k++
		}
	}
	return out, nil
}

// Reindex re-embeds every article with the service's embedder and records its model.
func (s *Service) Reindex(ctx context.Context) (int, error) {
	return s.store.Reindex(ctx, s.Model(), func(ctx context.Context, batch []Article) ([][]Chunk, error) {
		ptrs := make([]*Article, len(batch))
		for i := range batch {
			ptrs[i] = &batch[i]
		}
		return s.prepare(ctx, ptrs)
	})
}

// SearchRequest is a question to rank articles for.
type SearchRequest struct {
	Query    string
	TopK     int
	Language string // the asker's language; detected from Query when empty
	Category string
}

// Validate names the bad field.
func (r SearchRequest) Validate() error {
	if !utf8.ValidString(r.Query) {
		return fieldErr("query", "is not valid UTF-8")
	}
	if strings.TrimSpace(r.Query) == "" {
		return fieldErr("query", "must not be empty")
	}
	if n := utf8.RuneCountInString(r.Query); n > MaxQueryLen {
		return fieldErr("query", "is %d characters long, at most %d allowed", n, MaxQueryLen)
	}
	if r.TopK < 1 || r.TopK > MaxTopK {
		return fieldErr("top_k", "must be between 1 and %d, got %d", MaxTopK, r.TopK)
	}
	if r.Language != "" && r.Language != "other" && !Languages[r.Language] {
		return fieldErr("language", "unknown language %q", clip(r.Language))
	}
	return nil
}

// Candidate is one article proposed for a question.
type Candidate struct {
	Article      Article
	Score        float64 // the ranking score (see rerank)
	Match        float64 // exact n-gram cosine of the query and the best matching text, 0..1
	Similarity   float64 // vector similarity from the store
	LexicalScore float64
	ChunkText    string // the text of the article that matched best
}

// SearchResult is the ranked candidates and the confidence the bot would give the best one.
type SearchResult struct {
	Language   string
	Candidates []Candidate
	Confidence float64
}

// Search ranks published articles for a question.
func (s *Service) Search(ctx context.Context, req SearchRequest) (SearchResult, error) {
	if err := req.Validate(); err != nil {
		return SearchResult{}, err
	}
	lang := req.Language
	if lang == "" {
		lang = DetectLanguage(req.Query)
	}
	vecs, err := s.embedder.Embed(ctx, []string{req.Query})
	if err != nil {
		return SearchResult{}, fmt.Errorf("embed query: %w", err)
	}
	if len(vecs) != 1 {
		return SearchResult{}, errors.New("embed query: no vector returned")
	}
	terms := Tokenize(req.Query)
	p := s.params
	// The rerank adds the store's similarity only for a semantic embedder (see rerank).
	_, local := s.embedder.(*LocalEmbedder)
	prep := newRerankPrep(req.Query, s.features)
	hits, err := s.store.Search(ctx, SearchQuery{
		Vector:        vecs[0],
		Terms:         terms,
		Language:      lang,
		Category:      req.Category,
		Limit:         max(req.TopK, rerankDepth),
		PerSide:       max(p.PerSide, req.TopK),
		MaxTerms:      p.MaxTerms,
		K1:            p.K1,
		B:             p.B,
		RRFK:          p.RRFK,
		VectorWeight:  p.VectorWeight,
		LexicalWeight: p.LexicalWeight,
		LanguageBonus: p.LanguageBonus,
		// Without a semantic embedder the rerank never reads it (see rerank).
		OmitLexicalOnlySimilarity: local,
		Meanwhile:                 prep.prepare,
	})
	if err != nil {
		return SearchResult{}, err
	}
	cands := rerank(prep, lang, hits, !local, p.LanguageBonus)
	res := SearchResult{Language: lang, Confidence: Confidence(cands)}
	res.Candidates = cands[:min(len(cands), req.TopK)]
	return res, nil
}
