// Package postgres is the ground floor of every PostgreSQL store: the connection pool (with the
// pgvector types registered) and the embedded schema migrations. It imports no package of ours,
// so every <domain>/postgres package can depend on it.
package postgres

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/tern/v2/migrate"
	pgxvec "github.com/pgvector/pgvector-go/pgx"
)

// HNSW search settings every pooled connection starts with. EfSearch was chosen with the
// recall benchmark in knowledge/postgres (docs/benchmarks.md): recall@10 against exact search
// stays at or above 0.95 up to 100,000 articles. The iterative scan lets a query whose WHERE
// clause drops index candidates (a category) keep scanning until it has its LIMIT, which
// pgvector 0.8 does only when told.
const (
	HNSWEfSearch      = 100
	HNSWIterativeScan = "relaxed_order"
)

var hnswSettings = "SET hnsw.ef_search = " + strconv.Itoa(HNSWEfSearch) +
	"; SET hnsw.iterative_scan = " + HNSWIterativeScan

// VersionTable records which migrations ran.
const VersionTable = "public.faqbot_schema_version"

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Migrations returns the embedded migration files (NNN_name.sql at the root of the FS).
func Migrations() fs.FS {
	sub, err := fs.Sub(migrationFiles, "migrations")
	if err != nil {
		panic(err) // the directory is embedded at build time
	}
	return sub
}

// connectTimeout bounds a connection attempt, so a server that does not answer fails start-up
// instead of hanging it.
const connectTimeout = 10 * time.Second

// Connect opens a pool on url. Every connection has the pgvector types registered and the HNSW
// search settings applied, so callers can pass pgvector.Vector values directly. The server must
// have been migrated (Migrate) first: the vector type must exist. Connect pings once so a bad
// URL or an unreachable server fails here, not on the first request.
func Connect(ctx context.Context, url string) (*pgxpool.Pool, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("parse database URL: %w", err)
	}
	if cfg.ConnConfig.ConnectTimeout == 0 {
		cfg.ConnConfig.ConnectTimeout = connectTimeout
	}
	cfg.AfterConnect = func(ctx context.Context, conn *pgx.Conn) error {
		if err := pgxvec.RegisterTypes(ctx, conn); err != nil {
			return fmt.Errorf("register pgvector types (has the database been migrated?): %w", err)
		}
		// Set per session rather than as startup parameters, which poolers such as PgBouncer
		// refuse when they do not know them.
		if _, err := conn.Exec(ctx, hnswSettings); err != nil {
			return fmt.Errorf("apply the HNSW search settings: %w", err)
		}
		return nil
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("open database pool: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("connect to %s: %w", describe(cfg.ConnConfig), err)
	}
	return pool, nil
}

// extensionLock serialises CREATE EXTENSION between replicas starting together; two concurrent
// CREATE EXTENSION IF NOT EXISTS can otherwise both decide to create it and one fails.
const extensionLock = int64(0x66617162_6f740001)

// Migrate brings the database at url up to date: it creates the vector extension when it is
// missing, then applies the embedded migrations in order. tern holds an advisory lock while it
// works, so replicas may all call Migrate at start.
func Migrate(ctx context.Context, url string) error {
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		return fmt.Errorf("parse database URL: %w", err)
	}
	if cfg.ConnectTimeout == 0 {
		cfg.ConnectTimeout = connectTimeout
	}
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return fmt.Errorf("connect to %s: %w", describe(cfg), err)
	}
	defer conn.Close(context.WithoutCancel(ctx))

	if err := ensureVector(ctx, conn); err != nil {
		return err
	}
	m, err := migrate.NewMigrator(ctx, conn, VersionTable)
	if err != nil {
		return fmt.Errorf("prepare migrations: %w", err)
	}
	if err := m.LoadMigrations(Migrations()); err != nil {
		return fmt.Errorf("load migrations: %w", err)
	}
	if err := m.Migrate(ctx); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	return nil
}

// ensureVector creates the pgvector extension unless it is there. When it is there already,
// nothing needs a privilege, which matters on managed servers where the application role may
// not create extensions but an operator has.
func ensureVector(ctx context.Context, conn *pgx.Conn) error {
	var have bool
	if err := conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'vector')").Scan(&have); err != nil {
		return fmt.Errorf("look for the vector extension: %w", err)
	}
	if have {
		return nil
	}
	err := pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", extensionLock); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, "CREATE EXTENSION IF NOT EXISTS vector")
		return err
	})
	if err != nil {
		return fmt.Errorf("create extension vector (install pgvector 0.8 on the server, or have an administrator run CREATE EXTENSION vector): %w", err)
	}
	return nil
}

// describe names the server of a configuration without its password, for error messages.
func describe(cfg *pgx.ConnConfig) string {
	return fmt.Sprintf("PostgreSQL at %s:%d (database %q, user %q)", cfg.Host, cfg.Port, cfg.Database, cfg.User)
}
