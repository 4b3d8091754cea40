#!/usr/bin/env bash
# Install what pde needs to build, run and test, on Debian 12. Idempotent and
# quiet when everything is already there.
set -euo pipefail

packages=(
  build-essential cmake pkg-config curl
  libuv1-dev libwebsockets-dev libhiredis-dev libjansson-dev
  libsundials-dev libsqlite3-dev libcurl4-openssl-dev uthash-dev
  libcmocka-dev redis-server sqlite3 python3 python3-websocket
  influxdb influxdb-client
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
