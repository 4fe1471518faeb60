package pgtest_test

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/faqbot/faqbot/internal/postgres/pgtest"
)

func databaseOf(t *testing.T, url string) string {
	t.Helper()
	cfg, err := pgx.ParseConfig(url)
	require.NoError(t, err)
	return cfg.Database
}

func exists(t *testing.T, name string) bool {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, pgtest.AdminURL())
	require.NoError(t, err)
	defer conn.Close(ctx)
	var ok bool
	require.NoError(t, conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&ok))
	return ok
}

func TestEachCallerGetsItsOwnMigratedDatabase(t *testing.T) {
	ctx := context.Background()
	a, b := pgtest.New(t), pgtest.New(t)
	var nameA, nameB string
	require.NoError(t, a.QueryRow(ctx, "SELECT current_database()").Scan(&nameA))
	require.NoError(t, b.QueryRow(ctx, "SELECT current_database()").Scan(&nameB))
	assert.NotEqual(t, nameA, nameB)

	_, err := a.Exec(ctx, `INSERT INTO articles (title, question, answer, category, language, status, version, created_at, updated_at)
		VALUES ('t', 'q', 'a', 'general', 'en', 'draft', 1, now(), now())`)
	require.NoError(t, err, "the database is migrated")
	count := func(q interface {
		QueryRow(context.Context, string, ...any) pgx.Row
	}) int {
		var n int
		require.NoError(t, q.QueryRow(ctx, "SELECT count(*) FROM articles").Scan(&n))
		return n
	}
	assert.Equal(t, 1, count(a))
	assert.Equal(t, 0, count(b), "databases do not share rows")
}

func TestDatabasesAreDroppedWhenTheTestEnds(t *testing.T) {
	var migrated, empty string
	t.Run("user", func(t *testing.T) {
		migrated = databaseOf(t, pgtest.URL(t))
		empty = databaseOf(t, pgtest.EmptyURL(t))
		assert.True(t, exists(t, migrated))
		assert.True(t, exists(t, empty))
	})
	assert.False(t, exists(t, migrated), "dropped in cleanup")
	assert.False(t, exists(t, empty), "dropped in cleanup")
}

func TestEmptyURLHasNoSchema(t *testing.T) {
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, pgtest.EmptyURL(t))
	require.NoError(t, err)
	defer conn.Close(ctx)
	var tables int
	require.NoError(t, conn.QueryRow(ctx, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'").Scan(&tables))
	assert.Zero(t, tables)
}

// TestHelperUnreachable is run by TestUnreachableServer in a child process.
func TestHelperUnreachable(t *testing.T) {
	if os.Getenv("PGTEST_CHILD") == "" {
		t.Skip("run by TestUnreachableServer")
	}
	pgtest.New(t)
	t.Log("REACHED")
}

func TestUnreachableServer(t *testing.T) {
	tests := []struct {
		name     string
		ci       string
		fails    bool
		contains string
	}{
		{"skips locally", "", false, "make test"},
		{"fails under CI", "true", true, "does not answer"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cmd := exec.Command(os.Args[0], "-test.run=^TestHelperUnreachable$", "-test.v")
			cmd.Env = append(os.Environ(), "PGTEST_CHILD=1", "CI="+tc.ci,
				"DATABASE_URL=postgres://postgres@127.0.0.1:1/none?sslmode=disable&connect_timeout=2")
			out, err := cmd.CombinedOutput()
			if tc.fails {
				assert.Error(t, err, "%s", out)
			} else {
				assert.NoError(t, err, "%s", out)
				assert.Contains(t, string(out), "SKIP")
			}
			assert.Contains(t, string(out), tc.contains)
			assert.False(t, strings.Contains(string(out), "REACHED"), "the test body never runs")
		})
	}
}
