// Package pgtest gives each test a fresh, migrated PostgreSQL database that is dropped when the
// test ends.
//
// The first caller in a process migrates a template database once per set of migrations (its
// name carries a digest of the files, so a new migration makes a new template); every caller
// then gets a cheap copy: CREATE DATABASE ... TEMPLATE. The server comes from DATABASE_URL, else
// the local default postgres://postgres@127.0.0.1:5432/postgres. When it cannot be reached the
// test is skipped with a note on how to get one, except under CI=true, where it fails.
package pgtest

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/faqbot/faqbot/internal/postgres"
)

// DefaultURL is the server `make test` installs and starts (scripts/ensure-postgres.sh).
const DefaultURL = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

const (
	templatePrefix = "faqbot_tpl_"
	testPrefix     = "faqbot_test_"
	// staleAfter is when a test database left behind by a killed test run may be dropped.
	staleAfter = 2 * time.Hour
)

// New returns a pool on a fresh migrated database; the pool is closed and the database dropped
// when t ends.
func New(t testing.TB) *pgxpool.Pool {
	t.Helper()
	u := URL(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	pool, err := postgres.Connect(ctx, u)
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	// Registered after URL's cleanup, so it runs first: the pool is closed before the drop.
	t.Cleanup(pool.Close)
	return pool
}

// URL returns the URL of a fresh migrated database, dropped when t ends. Use it for code that
// opens its own connections (Migrate, the server's start-up).
func URL(t testing.TB) string {
	t.Helper()
	s := setup(t)
	return s.create(t, pgx.Identifier{s.template}.Sanitize())
}

// EmptyURL returns the URL of a fresh database without any migration (and without the vector
// extension), dropped when t ends: for tests of the migrations themselves.
func EmptyURL(t testing.TB) string {
	t.Helper()
	s := setup(t)
	return s.create(t, "template0")
}

type server struct {
	admin    *pgxpool.Pool
	adminURL *url.URL
	template string
}

var (
	once     sync.Once
	shared   *server
	setupErr error
	// unreachable marks a setupErr that means "no usable server here" rather than a bug.
	unreachable bool
)

func setup(t testing.TB) *server {
	t.Helper()
	once.Do(func() { shared, unreachable, setupErr = start() })
	if setupErr == nil {
		return shared
	}
	if unreachable && os.Getenv("CI") != "true" {
		t.Skipf("pgtest: skipping, no usable PostgreSQL with pgvector: %v\n"+
			"Run `make test` (it installs and starts one via scripts/ensure-postgres.sh) or set DATABASE_URL.", setupErr)
	}
	t.Fatalf("pgtest: %v", setupErr)
	return nil
}

// AdminURL is the server the test databases are created on: DATABASE_URL, else DefaultURL.
func AdminURL() string {
	if u := os.Getenv("DATABASE_URL"); u != "" {
		return u
	}
	return DefaultURL
}

// start prepares the server once per process; unreachable tells a missing server (or a server
// without pgvector) from a broken setup.
func start() (s *server, unreachable bool, err error) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	raw := AdminURL()
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		return nil, false, errors.New("DATABASE_URL must be a postgres:// URL")
	}
	cfg, err := pgxpool.ParseConfig(raw)
	if err != nil {
		return nil, false, fmt.Errorf("parse DATABASE_URL: %w", err)
	}
	cfg.MaxConns = 4
	cfg.ConnConfig.ConnectTimeout = 5 * time.Second
	admin, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, false, err
	}
	if err := admin.Ping(ctx); err != nil {
		admin.Close()
		return nil, true, fmt.Errorf("PostgreSQL at %s:%d does not answer: %w", cfg.ConnConfig.Host, cfg.ConnConfig.Port, err)
	}
	digest, err := migrationsDigest()
	if err != nil {
		admin.Close()
		return nil, false, err
	}
	s = &server{admin: admin, adminURL: u, template: templatePrefix + digest}
	dropStale(ctx, admin, s.template)
	if err := s.ensureTemplate(ctx); err != nil {
		admin.Close()
		// 58P01/0A000: the server has no pgvector to create the extension from.
		var pgErr *pgconn.PgError
		noVector := errors.As(err, &pgErr) && (pgErr.Code == "58P01" || pgErr.Code == "0A000")
		return nil, noVector, err
	}
	return s, false, nil
}

// migrationsDigest names the set of migrations: any change to a file makes a new template.
func migrationsDigest() (string, error) {
	h := sha256.New()
	fsys := postgres.Migrations()
	names, err := fs.Glob(fsys, "*.sql")
	if err != nil {
		return "", err
	}
	sort.Strings(names)
	for _, n := range names {
		body, err := fs.ReadFile(fsys, n)
		if err != nil {
			return "", err
		}
		fmt.Fprintf(h, "%s\x00%d\x00", n, len(body))
		h.Write(body)
	}
	return hex.EncodeToString(h.Sum(nil))[:16], nil
}

// ensureTemplate migrates the template once per migration set. Test binaries of several
// packages run at once, so the work happens under an advisory lock, in a scratch database that
// becomes the template by a rename: a template that exists is complete.
func (s *server) ensureTemplate(ctx context.Context) error {
	conn, err := s.admin.Acquire(ctx)
	if err != nil {
		return err
	}
	defer conn.Release()
	key := int64(0x7067_7465_7374_0000) // "pgtest"
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1)", key); err != nil {
		return err
	}
	defer conn.Exec(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", key) //nolint:errcheck

	if ok, err := databaseExists(ctx, conn.Conn(), s.template); err != nil || ok {
		return err
	}
	scratch := s.template + "_wip"
	ident := pgx.Identifier{scratch}.Sanitize()
	if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+ident+" WITH (FORCE)"); err != nil {
		return err
	}
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+ident+" TEMPLATE template0"); err != nil {
		return fmt.Errorf("create template database: %w", err)
	}
	if err := postgres.Migrate(ctx, s.urlOf(scratch)); err != nil {
		_, _ = conn.Exec(ctx, "DROP DATABASE IF EXISTS "+ident+" WITH (FORCE)")
		return fmt.Errorf("migrate the template database: %w", err)
	}
	// The comment dates the template: dropStale leaves another migration set's template alone
	// for a while, since a test run of another checkout (another branch) may be using it.
	if _, err := conn.Exec(ctx, fmt.Sprintf("COMMENT ON DATABASE %s IS '%d'", ident, time.Now().Unix())); err != nil {
		return fmt.Errorf("date the template database: %w", err)
	}
	if _, err := conn.Exec(ctx, "ALTER DATABASE "+ident+" RENAME TO "+pgx.Identifier{s.template}.Sanitize()); err != nil {
		return fmt.Errorf("rename the template database: %w", err)
	}
	return nil
}

func databaseExists(ctx context.Context, conn *pgx.Conn, name string) (bool, error) {
	var ok bool
	err := conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&ok)
	return ok, err
}

// dropStale removes what earlier runs left: test databases of killed processes and templates of
// older migration sets. Failures are ignored: another process may still use them.
func dropStale(ctx context.Context, admin *pgxpool.Pool, current string) {
	rows, err := admin.Query(ctx, `SELECT datname, coalesce(shobj_description(oid, 'pg_database'), '')
		FROM pg_database WHERE datname LIKE 'faqbot\_t%'`)
	if err != nil {
		return
	}
	type database struct{ name, comment string }
	dbs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (database, error) {
		var d database
		return d, r.Scan(&d.name, &d.comment)
	})
	if err != nil {
		return
	}
	olderThanStale := func(stamp string) bool {
		sec, err := strconv.ParseInt(stamp, 10, 64)
		return err == nil && time.Since(time.Unix(sec, 0)) > staleAfter
	}
	for _, d := range dbs {
		name, drop := d.name, false
		switch {
		case strings.HasPrefix(name, testPrefix):
			stamp, _, _ := strings.Cut(strings.TrimPrefix(name, testPrefix), "_")
			drop = olderThanStale(stamp)
		case strings.HasPrefix(name, templatePrefix):
			// Templates made before they were dated (no comment) count as stale.
			drop = name != current && !strings.HasSuffix(name, "_wip") &&
				(d.comment == "" || olderThanStale(d.comment))
		}
		if drop {
			dropDatabase(ctx, admin, name, false)
		}
	}
}

func dropDatabase(ctx context.Context, admin *pgxpool.Pool, name string, force bool) {
	stmt := "DROP DATABASE IF EXISTS " + pgx.Identifier{name}.Sanitize()
	if force {
		stmt += " WITH (FORCE)"
	}
	conn, err := admin.Acquire(ctx)
	if err != nil {
		return
	}
	defer conn.Release()
	// A template being copied right now holds a lock; do not queue behind it.
	_, _ = conn.Exec(ctx, "SET lock_timeout = '200ms'")
	_, _ = conn.Exec(ctx, stmt)
	_, _ = conn.Exec(ctx, "RESET lock_timeout")
}

// create makes a database from template and registers its drop.
func (s *server) create(t testing.TB, template string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	name := fmt.Sprintf("%s%d_%s", testPrefix, time.Now().Unix(), randomHex(6))
	stmt := "CREATE DATABASE " + pgx.Identifier{name}.Sanitize() + " TEMPLATE " + template
	var err error
	for attempt := 0; attempt < 5; attempt++ {
		if _, err = s.admin.Exec(ctx, stmt); err == nil {
			break
		}
		// 55006: the template is in use, e.g. by another process's migration of it; retry.
		var pgErr *pgconn.PgError
		if !errors.As(err, &pgErr) || pgErr.Code != "55006" {
			break
		}
		time.Sleep(time.Duration(50*(attempt+1)) * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("pgtest: create database: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		dropDatabase(ctx, s.admin, name, true)
	})
	return s.urlOf(name)
}

func (s *server) urlOf(database string) string {
	u := *s.adminURL
	u.Path = "/" + database
	u.RawPath = ""
	return u.String()
}

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)
}
