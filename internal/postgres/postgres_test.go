package postgres_test

import (
	"context"
	"io/fs"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/pgvector/pgvector-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/faqbot/faqbot/internal/postgres"
	"github.com/faqbot/faqbot/internal/postgres/pgtest"
)

func TestMigrateFromScratchIsIdempotentAndConcurrent(t *testing.T) {
	ctx := context.Background()
	url := pgtest.EmptyURL(t)

	// Replicas starting together all migrate at once; tern's advisory lock and ours around
	// CREATE EXTENSION must let every one of them succeed.
	const replicas = 4
	errs := make([]error, replicas)
	var wg sync.WaitGroup
	for i := range replicas {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = postgres.Migrate(ctx, url)
		}()
	}
	wg.Wait()
	for i, err := range errs {
		require.NoError(t, err, "replica %d", i)
	}
	require.NoError(t, postgres.Migrate(ctx, url), "a second run is a no-op")

	conn, err := pgx.Connect(ctx, url)
	require.NoError(t, err)
	defer conn.Close(ctx)
	var version int
	require.NoError(t, conn.QueryRow(ctx, "SELECT version FROM "+postgres.VersionTable).Scan(&version))
	files, err := fs.Glob(postgres.Migrations(), "*.sql")
	require.NoError(t, err)
	assert.Equal(t, len(files), version, "every embedded migration ran")

	for _, table := range []string{"articles", "article_versions", "chunks", "knowledge_changes", "knowledge_stats", "embedding_model"} {
		var exists bool
		require.NoError(t, conn.QueryRow(ctx, "SELECT to_regclass($1) IS NOT NULL", table).Scan(&exists))
		assert.True(t, exists, table)
	}
}

func TestConnectRegistersVectorsAndHNSWSettings(t *testing.T) {
	ctx := context.Background()
	pool := pgtest.New(t)

	var got pgvector.Vector
	in := pgvector.NewVector([]float32{1, 0.5, -2})
	require.NoError(t, pool.QueryRow(ctx, "SELECT $1::vector", in).Scan(&got))
	assert.Equal(t, in.Slice(), got.Slice(), "vectors travel in pgvector's binary format both ways")

	// The settings arrive in the startup packet and are adopted once the vector library loads.
	var ef, scan string
	require.NoError(t, pool.QueryRow(ctx, "SELECT current_setting('hnsw.ef_search'), current_setting('hnsw.iterative_scan')").Scan(&ef, &scan))
	assert.Equal(t, strconv.Itoa(postgres.HNSWEfSearch), ef)
	assert.Equal(t, postgres.HNSWIterativeScan, scan)
	require.NoError(t, pool.Ping(ctx))
}

func TestConnectErrors(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	tests := []struct {
		name string
		url  string
		want string
	}{
		{"not a URL", "postgres://%zz", "parse database URL"},
		{"nobody listens", "postgres://postgres:secret@127.0.0.1:1/x?sslmode=disable&connect_timeout=2", "connect to PostgreSQL at 127.0.0.1:1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := postgres.Connect(ctx, tc.url)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
			assert.NotContains(t, err.Error(), "secret", "the password never reaches a log")

			err = postgres.Migrate(ctx, tc.url)
			require.Error(t, err)
			assert.NotContains(t, err.Error(), "secret")
		})
	}
}
