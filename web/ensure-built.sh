#!/usr/bin/env bash
# Make web/ ready: install its npm packages when package-lock.json changed
# (npm ci), and build web/dist when any source is newer than the last
# build. Quiet when there is nothing to do; shows npm's output only when it
# fails. Used by scripts/setup.sh and by the web/build CTest fixture.
set -euo pipefail
cd "$(dirname "$0")"

log=$(mktemp)
trap 'rm -f "$log"' EXIT
run() {
  if ! "$@" >"$log" 2>&1; then
    cat "$log" >&2
    echo "web: '$*' failed" >&2
    exit 1
  fi
}

if ! command -v npm >/dev/null 2>&1; then
  echo "web: npm is missing; install Node.js 20.19 or newer (scripts/setup.sh does)" >&2
  exit 1
fi

# node_modules/.package-lock.json is what npm ci last installed.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "web: installing npm packages (npm ci)"
  run npm ci --no-audit --no-fund --loglevel=error
fi

stale=
if [ ! -f dist/index.html ]; then
  stale=1
elif [ -n "$(find src index.html vite.config.js package-lock.json -newer dist/index.html -print -quit)" ]; then
  stale=1
fi
if [ -n "$stale" ]; then
  echo "web: building web/dist"
  run npm run build
fi
