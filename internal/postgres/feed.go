package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// A feed is a table read in the order of an id from a sequence, by readers that keep the last
// id they got (the agents' streams). Ids are taken when rows are written, but rows become
// visible when their transactions commit, in another order: a reader may see row 11 while
// row 10 is still being committed, and a reader that moved on to 11 would never see 10. So
// ReadSettled hands out only a settled prefix: rows up to the first missing id, unless it
// knows the missing id is gone for good (its transaction rolled back, or took an id and wrote
// nothing).
//
// It knows that from the snapshot of its read: the writer of a missing id below a visible one
// took its id before the visible row's writer took its own, so it was in progress when the
// read began, or had ended. Once every transaction in progress at the read has ended, a
// second read sees all that they wrote, and every id up to the first read's last is settled.
// (handoff/postgres reads the ticket events the same way.)

// DefaultSettle bounds how long ReadSettled waits for the transactions that may still fill a
// gap; past it the reader gets the rows before the gap and comes back for the rest.
const DefaultSettle = 2 * time.Second

// settlePoll is how often ReadSettled looks whether those transactions have ended.
const settlePoll = 2 * time.Millisecond

// inProgress counts the transactions of a snapshot that have not ended yet and run in this
// database: only they can fill a gap of its tables. Transaction ids are cluster-wide, and
// waiting on another database's long transaction (another tenant, a test running beside)
// would stall the feed for nothing. pg_stat_activity names a backend's xid as 32 bits; the
// snapshot's are 64 (epoch and xid).
const inProgress = `SELECT count(*) FROM pg_snapshot_xip($1::pg_snapshot) x
	WHERE pg_xact_status(x) = 'in progress'
	AND EXISTS (SELECT 1 FROM pg_stat_activity a
		WHERE a.datname = current_database()
		AND a.backend_xid::text::bigint = x::text::bigint % 4294967296)`

// ReadSettled reads one page of a feed after afterID with read, which must return rows with
// ids above afterID in ascending order, and returns its settled prefix. id gives a row's id.
func ReadSettled[T any](ctx context.Context, pool *pgxpool.Pool, afterID int64, settle time.Duration,
	read func(ctx context.Context, tx pgx.Tx) ([]T, error), id func(T) int64) ([]T, error) {
	first, snapshot, err := readInSnapshot(ctx, pool, read)
	if err != nil {
		return nil, err
	}
	n := settledPrefix(first, afterID, id)
	if n == len(first) {
		return first, nil
	}
	ended, err := awaitEnd(ctx, pool, snapshot, settle)
	if err != nil {
		return nil, err
	}
	if !ended {
		return first[:n], nil
	}
	again, _, err := readInSnapshot(ctx, pool, read)
	if err != nil {
		return nil, err
	}
	// Beyond the first read's last id nothing is known to be settled.
	last := id(first[len(first)-1])
	for i, r := range again {
		if id(r) > last {
			return again[:i], nil
		}
	}
	return again, nil
}

func readInSnapshot[T any](ctx context.Context, pool *pgxpool.Pool, read func(context.Context, pgx.Tx) ([]T, error)) ([]T, string, error) {
	var out []T
	var snapshot string
	err := pgx.BeginTxFunc(ctx, pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		// The first statement fixes the transaction's snapshot; the rows are read in the same.
		if err := tx.QueryRow(ctx, "SELECT pg_current_snapshot()::text").Scan(&snapshot); err != nil {
			return fmt.Errorf("read the snapshot: %w", err)
		}
		var err error
		out, err = read(ctx, tx)
		return err
	})
	return out, snapshot, err
}

// settledPrefix counts the rows before the first missing id.
func settledPrefix[T any](rows []T, afterID int64, id func(T) int64) int {
	want := afterID + 1
	for i, r := range rows {
		if id(r) != want {
			return i
		}
		want++
	}
	return len(rows)
}

// awaitEnd waits, up to settle, until every transaction in progress at snapshot has ended.
func awaitEnd(ctx context.Context, pool *pgxpool.Pool, snapshot string, settle time.Duration) (bool, error) {
	deadline := time.Now().Add(settle)
	t := time.NewTicker(settlePoll)
	defer t.Stop()
	for {
		var n int
		if err := pool.QueryRow(ctx, inProgress, snapshot).Scan(&n); err != nil {
			return false, fmt.Errorf("transactions in progress: %w", err)
		}
		if n == 0 {
			return true, nil
		}
		if time.Now().After(deadline) {
			return false, nil
		}
		select {
		case <-ctx.Done():
			return false, ctx.Err()
		case <-t.C:
		}
	}
}
