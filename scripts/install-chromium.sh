#!/usr/bin/env bash
# Installs Debian's Chromium for the browser tests (driven by playwright-core; no browser download).
# Idempotent; needs root and apt-get when Chromium is missing.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then echo "chromium: already installed"; exit 0; fi
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
  echo "chromium: needs root and apt-get; install Debian's 'chromium' package yourself" >&2; exit 1
fi
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null
echo "chromium: installed $(/usr/bin/chromium --version 2>/dev/null || true)"
