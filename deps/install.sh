#!/usr/bin/env bash
# Installs exactly what sandstore needs from Debian 12 that is not there yet.
# Idempotent, and quiet when everything is present. Run as root (or with sudo).
set -euo pipefail

packages=(
  build-essential cmake pkg-config git      # the toolchain
  libuv1-dev libleveldb-dev libhiredis-dev   # runtime libraries
  liblua5.1-0-dev lua-cjson-dev lua-bitop-dev # scripting: Lua 5.1, cjson, bit
  libssl-dev openssl                         # TLS, and the CLI the tests make certificates with
  libcriterion-dev                           # unit tests
  redis-tools redis-server                   # redis-cli, redis-benchmark, side-by-side benchmarks
  python3 python3-redis                      # a real client in the integration tests
  python3-celery ruby-sidekiq                # job queues on sandstore (tests/clients, issue 14)
  nodejs npm                                 # ioredis, a second real client
  procps iproute2                            # pgrep/kill and ss for the harness
)
# SS_DEPS_FUZZ=1: also clang and its libFuzzer runtime (tests/fuzz/run.sh; CI runs it).
if [[ -n "${SS_DEPS_FUZZ:-}" ]]; then
  packages+=(clang libclang-rt-14-dev)
fi

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$p")
done

# Node.js and npm may come from elsewhere than Debian (an image's own install):
# accept any working node/npm rather than fighting over the package.
if command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1; then
  filtered=()
  for p in "${missing[@]}"; do [[ "$p" == nodejs || "$p" == npm ]] || filtered+=("$p"); done
  missing=("${filtered[@]+"${filtered[@]}"}")
fi

if ((${#missing[@]})); then
  sudo=""
  [[ $(id -u) -eq 0 ]] || sudo="sudo"
  echo "deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# redis-server's package may start a daemon on 6379, the port our local cluster
# wants; the tests and benchmarks start their own redis-server on free ports.
if ((${#missing[@]})) && [[ " ${missing[*]} " == *" redis-server "* ]]; then
  if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet redis-server 2>/dev/null; then
    ${sudo:-} systemctl stop redis-server >/dev/null 2>&1 || true
    ${sudo:-} systemctl disable redis-server >/dev/null 2>&1 || true
  elif command -v service >/dev/null 2>&1; then
    ${sudo:-} service redis-server stop >/dev/null 2>&1 || true
  fi
fi
