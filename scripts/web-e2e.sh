#!/usr/bin/env bash
# E2E smoke tests in Debian's headless Chromium.
#   PQBANK_E2E_URL=https://127.0.0.1:PORT scripts/web-e2e.sh   # against a running pqbank server
#   scripts/web-e2e.sh                                          # against web/dist on a mock server
# Installs chromium and web/node_modules when needed; builds web/dist when it is missing (or with
# --build). Screenshots: web/test-results/screenshots/. Last line: `e2e: N passed, N failed`.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD=0
for arg in "$@"; do
  case "$arg" in
    --build) BUILD=1 ;;
    *) echo "usage: $0 [--build]" >&2; exit 2 ;;
  esac
done
"$ROOT/scripts/install-test-deps.sh"
cd "$ROOT/web"
if [[ "$BUILD" -eq 1 || ( -z "${PQBANK_E2E_URL:-}" && ! -f dist/index.html ) ]]; then
  npm run build
fi
npm run e2e
