#!/usr/bin/env bash
# Builds the web app into web/dist (what the pqbank binary embeds).
# Installs web/node_modules first when needed (npm ci from the lockfile).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$ROOT/scripts/install-test-deps.sh" --no-browser
cd "$ROOT/web"
npm run build
