#!/usr/bin/env bash
# End-to-end tests: starts the real pqbank server (debug build, fresh SQLite data directory, port 0)
# and runs the web app's Chromium tests against it. Screenshots land in web/test-results/.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# Build the binary with the same features as `cargo test` (no second build of the dependencies),
# unless PQBANK_BIN names an already built one.
if [[ -z "${PQBANK_BIN:-}" ]]; then
  cargo test --workspace --no-run --quiet
fi
BIN="${PQBANK_BIN:-${CARGO_TARGET_DIR:-$ROOT/target}/debug/pqbank}"
DATA="$(mktemp -d)"
# Staff for the bank scenario (web/e2e/bank.mjs): created by the operator CLI on the fresh data
# directory before the server starts; each prints its one-time activation code.
staff_code() {
  "$BIN" admin create-user --data-dir "$DATA" --username "$1" --role "$2" --branch E2E \
    --legal-name "$3" --email "$1@pqbank.invalid" 2>&1 \
    | sed -n 's/.*one-time activation code (shown only now): //p'
}
CLERK_CODE="$(staff_code clerk-e2e clerk 'Carla Clerk')"
MANAGER_CODE="$(staff_code manager-e2e manager 'Manfred Manager')"
[[ -n "$CLERK_CODE" && -n "$MANAGER_CODE" ]] || { echo "e2e: could not create staff users" >&2; exit 1; }
"$BIN" serve --listen 127.0.0.1:0 --data-dir "$DATA" --log-format json --checkpoint-seconds 2 >"$DATA/server.log" 2>&1 &
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
# The bootstrap administrator's one-time code (printed once on the console) for admin tests.
ADMIN_CODE="$(sed -n 's/.*One-time password (shown only now): //p' "$DATA/server.log" | head -1)"
PQBANK_E2E_URL="$URL" PQBANK_E2E_CA="$DATA/tls-ca.pem" PQBANK_E2E_ADMIN_CODE="$ADMIN_CODE" \
  PQBANK_E2E_CLERK_CODE="$CLERK_CODE" PQBANK_E2E_MANAGER_CODE="$MANAGER_CODE" \
  bash scripts/web-e2e.sh
