package postgres

import (
	"context"
	"crypto/sha256"
	"encoding/hex"

	"github.com/jackc/pgx/v5"
)

// maxTermBytes bounds a stored term. A B-tree or GIN entry holds at most about 2.7 kB, and an
// answer may carry a long run of letters (a code, a base64 blob); such a term is stored as a
// digest instead. Query terms get the same treatment, so matching stays exact.
const maxTermBytes = 256

// termKey is how a term is stored: itself, or for an overlong one "#" and a digest. Terms are
// letters and digits only (knowledge.Tokenize), so no real term starts with "#".
func termKey(t string) string {
	if len(t) <= maxTermBytes {
		return t
	}
	sum := sha256.Sum256([]byte(t))
	return "#" + hex.EncodeToString(sum[:16])
}

// termKeys returns the distinct keys of terms in first-seen order. The statistics count a term
// once per chunk however often a caller lists it.
func termKeys(terms []string) []string {
	out := make([]string, 0, len(terms))
	seen := make(map[string]bool, len(terms))
	for _, t := range terms {
		k := termKey(t)
		if !seen[k] {
			seen[k] = true
			out = append(out, k)
		}
	}
	return out
}

// statsDelta accumulates how a transaction changes the chunk count and summed length, which
// tell a write whether it is large enough to rebuild the HNSW index (apply).
type statsDelta struct {
	chunks, length int64
}

func (d *statsDelta) add(length, sign int) {
	d.chunks += int64(sign)
	d.length += int64(sign * length)
}

func (d *statsDelta) apply(ctx context.Context, tx pgx.Tx) error {
	if d.chunks == 0 && d.length == 0 {
		return nil
	}
	_, err := tx.Exec(ctx, "UPDATE knowledge_stats SET chunks = chunks + $1, total_length = total_length + $2", d.chunks, d.length)
	return err
}

// Bounds of the change log that replicas catch their lexical index up from (lexsync.go).
const (
	// maxLoggedChanges: a write touching more articles than this moves the horizon instead of
	// listing them all; every replica then reloads its index, which is about as fast.
	maxLoggedChanges = 2000
	// keptGenerations: how many writes' changes stay listed for a replica that fell behind.
	keptGenerations = 10000
)

// logChanges bumps the generation of the knowledge base and lists the articles a write
// touched, in the write's transaction and under the writers' lock, so that generations are
// committed in order. everything says the write replaced every article (a reindex, an import
// of the whole base). It returns the new generation.
func logChanges(ctx context.Context, tx pgx.Tx, ids []int64, everything bool) (int64, error) {
	all := everything || len(ids) > maxLoggedChanges
	var gen int64
	err := tx.QueryRow(ctx, `WITH g AS (
			UPDATE knowledge_stats SET generation = generation + 1,
			       horizon = CASE WHEN $2 THEN generation + 1 ELSE greatest(horizon, generation + 1 - $3) END
			RETURNING generation, horizon),
		logged AS (
			INSERT INTO knowledge_changes (generation, article_id)
			SELECT DISTINCT g.generation, id FROM g, unnest($1::bigint[]) AS id WHERE NOT $2),
		pruned AS (DELETE FROM knowledge_changes c USING g WHERE c.generation <= g.horizon)
		SELECT generation FROM g`, ids, all, keptGenerations).Scan(&gen)
	return gen, err
}
