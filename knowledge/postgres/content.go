package postgres

import (
	"container/list"
	"context"
	"slices"
	"sync"

	"github.com/jackc/pgx/v5"

	"github.com/faqbot/faqbot/knowledge"
)

// contentCache keeps the text of recently returned articles (the article and its chunks'
// texts), so that a search whose hits are all cached needs no second round trip. An entry is
// valid for one version of its article within one epoch of the lexical index: the index knows
// every article's current version, a catch-up evicts what it saw change, and a full reload
// (which a reindex forces, since it rewrites chunks without new versions) starts a new epoch.
// Bounded by the bytes of text it holds; least recently used entries go first.
type contentCache struct {
	mu    sync.Mutex
	max   int64
	size  int64
	order *list.List // front: most recently used; values are *content
	byID  map[int64]*list.Element
}

// content is one article as a search returns it.
type content struct {
	article knowledge.Article
	epoch   int64
	chunks  []chunkContent // by ordinal (holes stay empty)
	bytes   int64
}

type chunkContent struct {
	kind knowledge.ChunkKind
	text string
}

// defaultContentBytes holds some 30,000 articles of the benchmarks' size (about 1 kB of text
// each, chunks included).
const defaultContentBytes = 32 << 20

func newContentCache(maxBytes int64) *contentCache {
	return &contentCache{max: maxBytes, order: list.New(), byID: make(map[int64]*list.Element)}
}

// get returns the cached article id if it is of that version and epoch.
func (c *contentCache) get(id int64, version int, epoch int64) (*content, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.byID[id]
	if !ok {
		return nil, false
	}
	v := e.Value.(*content)
	if v.article.Version != version || v.epoch != epoch {
		return nil, false
	}
	c.order.MoveToFront(e)
	return v, true
}

func (c *contentCache) put(v *content) {
	if v.bytes > c.max {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.byID[v.article.ID]; ok {
		c.drop(e)
	}
	c.byID[v.article.ID] = c.order.PushFront(v)
	c.size += v.bytes
	for c.size > c.max {
		c.drop(c.order.Back())
	}
}

func (c *contentCache) evict(ids []int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, id := range ids {
		if e, ok := c.byID[id]; ok {
			c.drop(e)
		}
	}
}

func (c *contentCache) clear() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.order.Init()
	clear(c.byID)
	c.size = 0
}

func (c *contentCache) drop(e *list.Element) {
	v := c.order.Remove(e).(*content)
	delete(c.byID, v.article.ID)
	c.size -= v.bytes
}

// hit returns a copy of the article, which the caller may change, and the text of a chunk.
func (v *content) hit(ordinal int32) (knowledge.Article, knowledge.ChunkKind, string) {
	a := v.article
	a.SimilarQuestions = slices.Clone(a.SimilarQuestions)
	a.Tags = slices.Clone(a.Tags)
	if ordinal < 0 || int(ordinal) >= len(v.chunks) {
		return a, "", ""
	}
	c := v.chunks[ordinal]
	return a, c.kind, c.text
}

type contentRow struct {
	articleRow
	Ordinals []int32  `db:"ordinals"`
	Kinds    []string `db:"kinds"`
	Texts    []string `db:"texts"`
}

// fetchContent reads articles with their chunks' texts in one statement (one snapshot).
// Articles deleted since the search are missing from the result.
func fetchContent(ctx context.Context, q interface {
	Query(context.Context, string, ...any) (pgx.Rows, error)
}, ids []int64, epoch int64) (map[int64]*content, error) {
	rows, _ := q.Query(ctx, `SELECT a.*, c.ordinals, c.kinds, c.texts
		FROM (SELECT `+articleColumns+` FROM articles WHERE id = ANY($1)) a
		CROSS JOIN LATERAL (
			SELECT coalesce(array_agg(ordinal ORDER BY ordinal), '{}') AS ordinals,
			       coalesce(array_agg(kind ORDER BY ordinal), '{}') AS kinds,
			       coalesce(array_agg(text ORDER BY ordinal), '{}') AS texts
			FROM chunks WHERE article_id = a.id) c`, ids)
	got, err := pgx.CollectRows(rows, pgx.RowToStructByName[contentRow])
	if err != nil {
		return nil, err
	}
	out := make(map[int64]*content, len(got))
	for _, r := range got {
		v := &content{article: r.article(), epoch: epoch}
		v.bytes = 256 + int64(len(r.Title)+len(r.Question)+len(r.Answer)+len(r.ExternalID))
		for _, s := range r.SimilarQuestions {
			v.bytes += int64(len(s)) + 16
		}
		for _, s := range r.Tags {
			v.bytes += int64(len(s)) + 16
		}
		for i, o := range r.Ordinals {
			if int(o) >= len(v.chunks) {
				v.chunks = slices.Grow(v.chunks, int(o)+1-len(v.chunks))[:o+1]
			}
			v.chunks[o] = chunkContent{kind: knowledge.ChunkKind(r.Kinds[i]), text: r.Texts[i]}
			v.bytes += int64(len(r.Texts[i])) + 32
		}
		out[r.ID] = v
	}
	return out, nil
}
