#!/usr/bin/env bash
# Makes sure Debian's Chromium is installed, so that `make test` can run the browser tests
# (api/browser_*_test.go, driven by chromedp). Idempotent: when the browser is there it returns
# at once.
#
# FAQBOT_CHROMIUM names another browser binary (Chrome, a snap's chromium); then nothing is
# installed and the tests use that binary. Off Debian nothing is installed either: the browser
# tests skip with a message locally and fail under CI=true.
set -euo pipefail

log() { printf 'ensure-chromium: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

if [ -n "${FAQBOT_CHROMIUM:-}" ]; then
  [ -x "$FAQBOT_CHROMIUM" ] || die "FAQBOT_CHROMIUM=$FAQBOT_CHROMIUM is not an executable"
  log "using $FAQBOT_CHROMIUM"
  exit 0
fi

if [ -x /usr/bin/chromium ]; then
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1 || [ ! -f /etc/debian_version ]; then
  log "this is not a Debian system: install Chromium or Chrome and set FAQBOT_CHROMIUM to its path; the browser tests skip until then"
  exit 0
fi

sudo_cmd=""
if [ "$(id -u)" -ne 0 ]; then sudo_cmd="sudo"; fi

log "installing Chromium from Debian's packages (once per machine)"
$sudo_cmd apt-get update -qq >/dev/null
# Fonts with CJK glyphs, so the screenshots of Chinese pages show text instead of boxes.
DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends \
  chromium fonts-noto-cjk >/dev/null
[ -x /usr/bin/chromium ] || die "chromium was installed but /usr/bin/chromium is missing"
log "ready: $(/usr/bin/chromium --version 2>/dev/null || echo /usr/bin/chromium)"
