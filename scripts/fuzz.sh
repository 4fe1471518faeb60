#!/usr/bin/env bash
# Runs every fuzz target of the module for a short time (FUZZTIME, default 5s). The seed
# corpora already run in `make test`; this looks for new failing inputs.
#
# Go's fuzzing coordinator sometimes reports "fuzzing process hung or terminated unexpectedly"
# on a busy machine although no input failed (golang/go#56238). Such a target runs once more:
# the input it wrote to testdata/fuzz is then part of the seed corpus, so a real crash fails
# again, while a spurious one passes. Any other failure fails at once, with the fuzzer's output.
set -euo pipefail
cd "$(dirname "$0")/.."
GO=${GO:-go}
FUZZTIME=${FUZZTIME:-5s}

log=$(mktemp)
trap 'rm -f "$log"' EXIT

fuzz_once() { # pkg target
  "$GO" test -run '^$' -fuzz "^$2\$" -fuzztime "$FUZZTIME" "$1" >"$log" 2>&1
}

for pkg in $("$GO" list ./...); do
  for target in $("$GO" test -list '^Fuzz' "$pkg" | grep '^Fuzz' || true); do
    echo "fuzz $pkg $target"
    if fuzz_once "$pkg" "$target"; then
      continue
    fi
    if grep -q 'fuzzing process hung or terminated unexpectedly' "$log"; then
      echo "fuzz: $target: the fuzzer lost a worker; running it once more (golang/go#56238)"
      cat "$log"
      if fuzz_once "$pkg" "$target"; then
        continue
      fi
    fi
    cat "$log"
    exit 1
  done
done
