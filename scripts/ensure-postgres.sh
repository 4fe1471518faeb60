#!/usr/bin/env bash
# Makes sure a local PostgreSQL with the pgvector extension is running and reachable, so that
# `make test` works on a fresh Debian machine. Idempotent: when everything is already there it
# returns in well under a second.
#
# PostgreSQL comes from Debian's packages. pgvector is not packaged for bookworm, so it is built
# from Debian's own `pgvector` source package of the trixie suite, fetched with `apt-get source`
# through a temporary deb-src list that reuses the archive this machine's apt sources name.
#
# With DATABASE_URL set, nothing is installed: the script only checks that the server answers.
set -euo pipefail

log() { printf 'ensure-postgres: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

sudo_cmd=""
if [ "$(id -u)" -ne 0 ]; then sudo_cmd="sudo"; fi

have_vector() {
  # The extension is usable when its control file is in the server's extension directory.
  local sharedir
  sharedir=$(pg_config --sharedir 2>/dev/null) || return 1
  [ -f "$sharedir/extension/vector.control" ]
}

if [ -n "${DATABASE_URL:-}" ]; then
  if command -v psql >/dev/null 2>&1; then
    psql "$DATABASE_URL" -Atqc 'select 1' >/dev/null || die "DATABASE_URL is set but the server does not answer"
  fi
  log "using DATABASE_URL as given"
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1 || [ ! -f /etc/debian_version ]; then
  die "this is not a Debian system: start PostgreSQL with pgvector yourself (docker compose up db) and set DATABASE_URL, e.g. postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
fi

apt_updated=""
apt_update_once() {
  if [ -z "$apt_updated" ]; then
    $sudo_cmd apt-get update -qq >/dev/null
    apt_updated=1
  fi
}

# 1. PostgreSQL server from Debian's packages.
if ! ls /etc/postgresql/*/main >/dev/null 2>&1; then
  log "installing PostgreSQL from Debian's packages"
  apt_update_once
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq postgresql >/dev/null
fi
major=$(ls /etc/postgresql | sort -n | tail -n 1)
export PATH="/usr/lib/postgresql/$major/bin:$PATH"

# 2. The server must be running and must trust local TCP connections for tests.
if ! pg_lsclusters -h 2>/dev/null | awk -v m="$major" '$1==m && $2=="main" && $4=="online"' | grep -q .; then
  log "starting PostgreSQL $major"
  $sudo_cmd pg_ctlcluster --skip-systemctl-redirect "$major" main start
fi

# 3. pgvector, built from Debian's trixie source package against this server's headers.
if ! have_vector; then
  log "building pgvector from Debian's trixie source package (once per machine)"
  apt_update_once
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq \
    "postgresql-server-dev-$major" build-essential dpkg-dev >/dev/null
  # Reuse the archive the machine's apt sources already name.
  archive=$( { cat /etc/apt/sources.list /etc/apt/sources.list.d/*.sources \
      /etc/apt/sources.list.d/*.list 2>/dev/null || true; } \
    | grep -oE '^(URIs:|deb) +https?://[^ ]+/debian/?( |$)' | awk '{print $2}' | head -n 1 || true)
  [ -n "$archive" ] || die "could not find a Debian archive in the apt sources"
  work=$(mktemp -d)
  srclist=/etc/apt/sources.list.d/faqbot-pgvector-src.list
  cleanup() {
    $sudo_cmd rm -f "$srclist"
    $sudo_cmd apt-get update -qq >/dev/null 2>&1 || true
    rm -rf "$work"
  }
  trap cleanup EXIT
  echo "deb-src $archive trixie main" | $sudo_cmd tee "$srclist" >/dev/null
  $sudo_cmd apt-get update -qq >/dev/null
  (cd "$work" && apt-get source -qq -t trixie pgvector >/dev/null 2>&1) \
    || die "apt-get source pgvector failed (is $archive reachable?)"
  dir=$(find "$work" -maxdepth 1 -mindepth 1 -type d -name 'pgvector*' | head -n 1)
  [ -n "$dir" ] || die "could not unpack the pgvector source package"
  make -C "$dir" -s PG_CONFIG="/usr/lib/postgresql/$major/bin/pg_config" OPTFLAGS="" >/dev/null
  $sudo_cmd make -C "$dir" -s PG_CONFIG="/usr/lib/postgresql/$major/bin/pg_config" install >/dev/null
  have_vector || die "pgvector was built but its control file is not where the server looks"
  log "pgvector installed"
fi

# 4. Reachable over TCP as postgres (trust auth on the Debian test machines).
url="postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
wait_ready() {
  for _ in $(seq 1 30); do
    if psql "$url" -Atqc 'select 1' >/dev/null 2>&1; then
      return 0
    fi
    sleep 1
  done
  return 1
}
wait_ready || die "PostgreSQL does not answer at $url; set DATABASE_URL to a server with pgvector"

# 5. Memory for the HNSW index. pgvector reads the index through shared_buffers; Debian's
# default of 128MB holds the index of only some 20,000 articles, and past that every search
# copies index pages in from the OS cache (the 100,000-article benchmark in docs/benchmarks.md
# ran 1.9x slower than at 10,000 for that alone). Raised once, with a restart; never lowered.
want=${FAQBOT_PG_SHARED_BUFFERS:-2GB}
if [ "$(psql "$url" -Atqc "select pg_size_bytes(current_setting('shared_buffers')) < pg_size_bytes('$want')")" = t ]; then
  log "raising shared_buffers to $want (restarts PostgreSQL $major once)"
  psql "$url" -Atqc "alter system set shared_buffers = '$want'" >/dev/null
  $sudo_cmd pg_ctlcluster --skip-systemctl-redirect "$major" main restart
  wait_ready || die "PostgreSQL did not come back after the restart; see /var/log/postgresql/postgresql-$major-main.log"
fi
log "ready at $url"
