#!/usr/bin/env bash
# Runs the official Python client (whylabs-client 0.6.16) against `keydash serve`.
# Usage: scripts/interop.sh [path/to/keydash]
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-$(swift build --show-bin-path)/keydash}
venv=.build/interop-venv
if [ ! -x "$venv/bin/pytest" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "whylabs-client==0.6.16" "pytest>=7"
fi
work=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -rf "$work"' EXIT
"$bin" serve --port 0 --db "$work/keys.sqlite" --org org-interop \
  --admin-key-file "$work/admin.key" --seed-demo 25 >"$work/serve.out" 2>"$work/serve.err" &
pid=$!
for _ in $(seq 1 100); do
  grep -q "listening on" "$work/serve.out" 2>/dev/null && break
  kill -0 "$pid" 2>/dev/null || { cat "$work/serve.err"; exit 1; }
  sleep 0.1
done
endpoint=$(sed -n 's/.*listening on \(http[^ ]*\).*/\1/p' "$work/serve.out" | head -1)
[ -n "$endpoint" ] || { echo "keydash serve did not start"; cat "$work/serve.err"; exit 1; }
KEYDASH_ENDPOINT=$endpoint KEYDASH_ORG=org-interop KEYDASH_ADMIN_KEY_FILE=$work/admin.key \
  "$venv/bin/pytest" -q -p no:cacheprovider Tests/interop
