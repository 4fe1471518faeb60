package postgres

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// lexIndex is this process's lexical index (lexState) and how it keeps up with the database.
//
// The database's knowledge_stats.generation counts committed article writes (migration
// 011_search.sql). The search statement returns it with the vector side, so a search notices a
// write of any replica at no extra cost; it then catches the index up and searches again.
// Catching up reads, in one snapshot, which articles changed since the index's generation
// (knowledge_changes) and their current chunks; a replica behind the horizon, or facing more
// changes than it is worth applying one by one, loads everything anew. A write through this
// store also notes its generation (want), so the next search catches up before it starts.
type lexIndex struct {
	pool    *pgxpool.Pool
	content *contentCache

	catchUp sync.Mutex   // one catch-up at a time
	mu      sync.RWMutex // guards st: searches read, catching up writes
	st      *lexState    // nil until the first search loads it
	want    atomic.Int64 // the newest generation this process wrote
	epochs  atomic.Int64 // full loads so far

	scratch sync.Pool // *lexScratch
}

func newLexIndex(pool *pgxpool.Pool, content *contentCache) *lexIndex {
	return &lexIndex{pool: pool, content: content,
		scratch: sync.Pool{New: func() any { return new(lexScratch) }}}
}

// wrote records the generation of a write this process committed.
func (ix *lexIndex) wrote(gen int64) {
	for {
		cur := ix.want.Load()
		if gen <= cur || ix.want.CompareAndSwap(cur, gen) {
			return
		}
	}
}

// readLocked returns the state under the read lock, first catching up when the index was never
// loaded or this process has written since. The caller must call ix.mu.RUnlock.
func (ix *lexIndex) readLocked(ctx context.Context) (*lexState, error) {
	ix.mu.RLock()
	if ix.st != nil && ix.st.gen >= ix.want.Load() {
		return ix.st, nil
	}
	ix.mu.RUnlock()
	if err := ix.sync(ctx, -1); err != nil {
		return nil, err
	}
	ix.mu.RLock()
	return ix.st, nil
}

// maxIncremental bounds the articles a catch-up applies one by one; past it, reloading
// everything is about as fast and leaves no dead slots behind.
const maxIncremental = 5000

// sync brings the index to the database's current generation. seen is the generation a search
// statement reported; when the index already stands there (another search caught up first),
// there is nothing to do. seen -1 always reads the database.
func (ix *lexIndex) sync(ctx context.Context, seen int64) error {
	ix.catchUp.Lock()
	defer ix.catchUp.Unlock()
	ix.mu.RLock()
	st := ix.st
	ix.mu.RUnlock()
	if st != nil && seen >= 0 && st.gen == seen && st.gen >= ix.want.Load() {
		return nil
	}
	var (
		full    *lexState
		changed []loadedArticle
		gone    []int64
		gen     int64
	)
	err := pgx.BeginTxFunc(ctx, ix.pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		var horizon int64
		if err := tx.QueryRow(ctx, "SELECT generation, horizon FROM knowledge_stats").Scan(&gen, &horizon); err != nil {
			return err
		}
		if st != nil && st.gen == gen {
			return nil
		}
		if st != nil && gen < st.gen {
			// The database went back (a restore): what this process wrote is gone with it.
			ix.want.Store(gen)
		}
		var ids []int64
		if st != nil && st.gen >= horizon && st.gen < gen {
			rows, _ := tx.Query(ctx, `SELECT DISTINCT article_id FROM knowledge_changes WHERE generation > $1`, st.gen)
			var err error
			if ids, err = pgx.CollectRows(rows, pgx.RowTo[int64]); err != nil {
				return err
			}
		}
		if st == nil || st.gen < horizon || st.gen > gen || len(ids) > maxIncremental {
			full = newLexState(gen, ix.epochs.Add(1))
			err := loadArticles(ctx, tx, nil, func(a loadedArticle) { full.put(a) })
			full.settle()
			return err
		}
		found := make(map[int64]bool, len(ids))
		err := loadArticles(ctx, tx, ids, func(a loadedArticle) {
			found[a.ID] = true
			changed = append(changed, a)
		})
		for _, id := range ids {
			if !found[id] {
				gone = append(gone, id)
			}
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("load the lexical index: %w", err)
	}
	ix.mu.Lock()
	defer ix.mu.Unlock()
	switch {
	case full != nil:
		ix.st = full
		ix.content.clear()
	case st != nil && st.gen != gen:
		for _, id := range gone {
			st.remove(id)
		}
		for _, a := range changed {
			st.put(a)
		}
		st.gen = gen
		st.compact()
		ix.content.evict(gone)
		for _, a := range changed {
			ix.content.evict([]int64{a.ID})
		}
	}
	return nil
}

// loadArticles reads articles (all when ids is nil) with their chunks' terms, in id order, and
// hands each to add.
func loadArticles(ctx context.Context, tx pgx.Tx, ids []int64, add func(loadedArticle)) error {
	filter, args := "", []any{}
	if ids != nil {
		filter, args = "WHERE a.id = ANY($1)", []any{ids}
	}
	rows, err := tx.Query(ctx, `SELECT a.id, a.version, a.status = 'published', a.category, a.language,
			c.ordinal, c.length, c.terms
		FROM articles a LEFT JOIN chunks c ON c.article_id = a.id `+filter+`
		ORDER BY a.id, c.ordinal`, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	var (
		cur             loadedArticle
		have            bool
		ordinal, length *int32
		terms           []string
	)
	for rows.Next() {
		var a loadedArticle
		if err := rows.Scan(&a.ID, &a.Version, &a.Published, &a.Category, &a.Language, &ordinal, &length, &terms); err != nil {
			return err
		}
		if !have || a.ID != cur.ID {
			if have {
				add(cur)
			}
			cur, have = a, true
		}
		if ordinal != nil {
			cur.Chunks = append(cur.Chunks, loadedChunk{Ordinal: *ordinal, Length: *length, Terms: terms})
		}
		terms = nil
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if have {
		add(cur)
	}
	return nil
}
