package postgres

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"sort"

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

// statsDelta accumulates how a transaction changes the corpus statistics: chunk count, summed
// length and per-term document frequency.
type statsDelta struct {
	chunks, length, loose int64
	df                    map[string]int32
}

func (d *statsDelta) add(terms []string, length, sign int) {
	if d.df == nil {
		d.df = make(map[string]int32)
	}
	d.chunks += int64(sign)
	d.length += int64(sign * length)
	if length < len(terms) {
		d.loose += int64(sign)
	}
	for _, t := range terms {
		d.df[t] += int32(sign)
	}
}

// apply writes the delta in one round trip. Terms are sorted so the row locks are taken in one
// order; frequencies that reach zero are removed, as a term no chunk holds has no df.
func (d *statsDelta) apply(ctx context.Context, tx pgx.Tx) error {
	if d.chunks == 0 && d.length == 0 && len(d.df) == 0 {
		return nil
	}
	var upTerms, downTerms []string
	var upDF, downDF []int32
	terms := make([]string, 0, len(d.df))
	for t := range d.df {
		terms = append(terms, t)
	}
	sort.Strings(terms)
	for _, t := range terms {
		switch n := d.df[t]; {
		case n > 0:
			upTerms, upDF = append(upTerms, t), append(upDF, n)
		case n < 0:
			downTerms, downDF = append(downTerms, t), append(downDF, n)
		}
	}
	b := &pgx.Batch{}
	b.Queue("UPDATE knowledge_stats SET chunks = chunks + $1, total_length = total_length + $2, loose_chunks = loose_chunks + $3",
		d.chunks, d.length, d.loose)
	if len(upTerms) > 0 {
		b.Queue(`INSERT INTO lexicon AS l (term, df)
			SELECT * FROM unnest($1::text[], $2::int[])
			ON CONFLICT (term) DO UPDATE SET df = l.df + excluded.df`, upTerms, upDF)
	}
	if len(downTerms) > 0 {
		b.Queue(`UPDATE lexicon AS l SET df = l.df + d.n
			FROM unnest($1::text[], $2::int[]) AS d(term, n) WHERE l.term = d.term`, downTerms, downDF)
		b.Queue(`DELETE FROM lexicon WHERE term = ANY($1) AND df = 0`, downTerms)
	}
	return tx.SendBatch(ctx, b).Close()
}
