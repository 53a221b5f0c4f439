#!/usr/bin/env bash
# End-to-end tests: starts the real pqbank server (debug build, fresh SQLite data directory, port 0)
# and runs the web app's Chromium tests against it. Screenshots land in web/test-results/.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# Build the binary with the same features as `cargo test` (no second build of the dependencies).
cargo test --workspace --no-run --quiet
BIN="${CARGO_TARGET_DIR:-$ROOT/target}/debug/pqbank"
DATA="$(mktemp -d)"
"$BIN" serve --listen 127.0.0.1:0 --data-dir "$DATA" --log-format json >"$DATA/server.log" 2>&1 &
PID=$!
cleanup() {
  kill -TERM "$PID" 2>/dev/null || true
  wait "$PID" 2>/dev/null || true
  rm -rf "$DATA"
}
trap cleanup EXIT
URL=""
for _ in $(seq 1 600); do
  URL="$(grep -o '"url":"https://[^"]*"' "$DATA/server.log" | head -1 | cut -d'"' -f4 || true)"
  [[ -n "$URL" ]] && break
  if ! kill -0 "$PID" 2>/dev/null; then
    cat "$DATA/server.log" >&2
    echo "e2e: the server exited before serving" >&2
    exit 1
  fi
  sleep 0.1
done
[[ -n "$URL" ]] || { cat "$DATA/server.log" >&2; echo "e2e: server did not start" >&2; exit 1; }
echo "e2e: server at $URL (data $DATA)"
PQBANK_E2E_URL="$URL" PQBANK_E2E_CA="$DATA/tls-ca.pem" bash scripts/web-e2e.sh
