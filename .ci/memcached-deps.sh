#!/usr/bin/env bash
# Installs what the memcached gateway's tests need from Debian: memcached (the reference each
# client test is paired with), libmemcached-tools (memccp/memccat) and python3-pymemcache.
# Idempotent: does nothing when they are all there.
set -euo pipefail

if command -v memcached >/dev/null 2>&1 && command -v memccp >/dev/null 2>&1 && /usr/bin/python3 -c "import pymemcache" 2>/dev/null; then
  echo "memcached-deps: $(memcached -V) with libmemcached-tools and pymemcache already installed"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends memcached libmemcached-tools python3-pymemcache
echo "memcached-deps: $(memcached -V)"
