#!/usr/bin/env bash
# The web app's CI checks: lint (eslint + prettier --check), unit tests (vitest), build (tsc + vite).
# Installs web/node_modules first when needed. Exits non-zero on the first failure.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$ROOT/scripts/install-test-deps.sh" --no-browser
cd "$ROOT/web"
npm run lint
npm test
npm run build
