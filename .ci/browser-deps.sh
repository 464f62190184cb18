#!/usr/bin/env bash
# Installs what the client's browser test needs: Debian's `chromium` (driven by playwright-core,
# which downloads no browser of its own). Idempotent: does nothing when chromium is there.
set -euo pipefail

if command -v chromium >/dev/null 2>&1; then
  echo "browser-deps: $(chromium --version 2>/dev/null || echo chromium) already installed"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends chromium
echo "browser-deps: $(chromium --version)"
