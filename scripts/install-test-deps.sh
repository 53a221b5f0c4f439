#!/usr/bin/env bash
# Installs what the web tests need, idempotently:
#   - Debian's chromium (/usr/bin/chromium) for the e2e smoke tests, if missing
#     (skipped with --no-browser);
#   - web/node_modules via `npm ci`, if missing or package-lock.json changed since the last install.
# Safe to run repeatedly (CI runs it on every run; it is a no-op when nothing changed).
set -euo pipefail

WANT_BROWSER=1
for arg in "$@"; do
  case "$arg" in
    --no-browser) WANT_BROWSER=0 ;;
    *) echo "usage: $0 [--no-browser]" >&2; exit 2 ;;
  esac
done

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
WEB="$ROOT/web"

log() { printf 'install-test-deps: %s\n' "$*"; }

if [[ "$WANT_BROWSER" -eq 0 ]]; then
  :
elif [[ ! -x /usr/bin/chromium ]]; then
  log "installing Debian chromium"
  SUDO=""
  if [[ "$(id -u)" -ne 0 ]]; then SUDO="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends chromium fonts-liberation fonts-dejavu-core >/dev/null
else
  log "chromium present: $(/usr/bin/chromium --version 2>/dev/null || echo unknown)"
fi

# npm ci when node_modules is missing or the lockfile changed since the last successful install.
STAMP="$WEB/node_modules/.pqbank-lock.sha256"
LOCK_SUM="$(sha256sum "$WEB/package-lock.json" | cut -d' ' -f1)"
if [[ ! -d "$WEB/node_modules" || ! -f "$STAMP" || "$(cat "$STAMP")" != "$LOCK_SUM" ]]; then
  log "running npm ci in web/"
  (cd "$WEB" && npm ci --no-audit --no-fund)
  printf '%s\n' "$LOCK_SUM" >"$STAMP"
else
  log "web/node_modules up to date"
fi

# pyca cryptography >= 50 (bundled OpenSSL with ML-DSA verification) for the RFC 9881 interop test
# of pqbank-pki; older versions load ML-DSA certificates but cannot verify them.
if command -v python3 >/dev/null; then
  if ! python3 - <<'PY' 2>/dev/null
import sys
import cryptography
major = int(cryptography.__version__.split(".")[0])
sys.exit(0 if major >= 50 else 1)
PY
  then
    log "installing pyca cryptography>=50 for the RFC 9881 interop test"
    python3 -m pip install --quiet --disable-pip-version-check 'cryptography>=50'
  fi
fi
