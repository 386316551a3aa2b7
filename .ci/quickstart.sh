#!/usr/bin/env bash
# The README's Quick start, start command, after its `npm ci` (.ci/run installs once): `npm start`
# in the background until /readyz answers, then a SIGTERM to its process group (what Ctrl-C
# does), then the check that the server is gone. Fails if it is not ready within three minutes.
set -euo pipefail
cd "$(dirname "$0")/.."
port=${PORT:-3000}
log=$(mktemp)
setsid bash -c 'npm start' >"$log" 2>&1 &
group=$!
for _ in $(seq 1 180); do
  if curl -sf "http://127.0.0.1:${port}/readyz" >/dev/null; then
    echo "[quickstart] ready: $(curl -s "http://127.0.0.1:${port}/readyz")"
    grep -A7 'Workroom is running' "$log" || true
    kill -TERM -- "-$group"
    wait "$group" || true
    if curl -sf "http://127.0.0.1:${port}/healthz" >/dev/null; then echo "[quickstart] still serving after SIGTERM" >&2; exit 1; fi
    exit 0
  fi
  if ! kill -0 "$group" 2>/dev/null; then cat "$log" >&2; echo "[quickstart] npm start exited before it was ready" >&2; exit 1; fi
  sleep 1
done
cat "$log" >&2
kill -TERM -- "-$group" || true
echo "[quickstart] /readyz did not answer within 180 s" >&2
exit 1
