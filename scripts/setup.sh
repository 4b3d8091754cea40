#!/usr/bin/env bash
# Install what pde needs to build, run and test, on Debian 12 (clang and
# its libFuzzer runtime, libclang-rt-14-dev, for the fuzz targets of
# fuzz/). Idempotent and quiet when everything is already there.
set -euo pipefail

packages=(
  build-essential cmake pkg-config curl
  libuv1-dev libwebsockets-dev libhiredis-dev libjansson-dev libdouble-conversion-dev
  libsundials-dev libsqlite3-dev libcurl4-openssl-dev uthash-dev
  libcmocka-dev redis-server sqlite3 python3 python3-websocket python3-redis
  influxdb influxdb-client
  clang libclang-rt-14-dev
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# Debian's redis-server package starts a system service on :6379; pde never
# uses it (the engine starts a private one), so it is left as the admin set it.

# Debian's influxdb package enables a system influxd on :8086 (started where
# the init system allows). pde's tests never use or touch it: each starts a
# private influxd on free loopback ports with its data in a temp dir
# (tests/integration/harness.py, Influxd).

# ---- front end (web/) ----
# Debian's chromium drives the end-to-end tests (playwright-core launches it;
# no browser is downloaded). Node.js 20.19 or newer builds web/ (Vite) and
# runs its tests; a missing node is installed from apt (this machine's
# sources decide the version; check `node --version` if the build fails).
web_missing=()
dpkg-query -W -f='${Status}' chromium 2>/dev/null | grep -q "install ok installed" || web_missing+=(chromium)
command -v node >/dev/null 2>&1 || web_missing+=(nodejs)
command -v npm >/dev/null 2>&1 || web_missing+=(npm)
if ((${#web_missing[@]})); then
  echo "setup: installing ${web_missing[*]}"
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq "${web_missing[@]}" >/dev/null
fi
node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$node_major" -lt 20 ]; then
  # The engine and its tests do not need web/: say so and go on without it.
  echo "setup: node $(node --version 2>/dev/null) is too old for web/ (Vite needs 20.19 or newer);" \
       "the front end is not built and its tests will be skipped" >&2
else
  # npm ci when package-lock.json changed, npm run build when web/ sources
  # are newer than web/dist; silent otherwise.
  "$(dirname "$0")/../web/ensure-built.sh"
fi
