#!/usr/bin/env bash
# Debian packages RightsWatch needs beyond Python: Chromium for the real-browser tests, a CJK font so
# Chinese renders in screenshots, charts and PDFs, poppler-utils to look at PDF pages, and nginx to
# test the documented TLS reverse proxy (docs/deploy/nginx.conf) in front of `rightswatch serve`, and a
# Java 17 runtime for the local Spark Connect server of the Spark parity test (docs/scale-out.md).
# Idempotent: installs only what is missing. Needs root (as on CI) or sudo.
set -euo pipefail
need=()
[ -x /usr/bin/chromium ] || need+=(chromium)
fc-list 2>/dev/null | grep -qi "noto sans cjk" || need+=(fonts-noto-cjk)
command -v pdftoppm >/dev/null || need+=(poppler-utils)
command -v fc-list >/dev/null || need+=(fontconfig)
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || need+=(nginx-light)
command -v java >/dev/null || need+=(openjdk-17-jre-headless)
if [ ${#need[@]} -eq 0 ]; then
  echo "system packages present (chromium, fonts-noto-cjk, poppler-utils, nginx, java)"
  exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null; then SUDO="sudo"; else
    echo "error: need root to install ${need[*]} (apt-get). Install them, or run as root." >&2; exit 1
  fi
fi
echo "installing system packages: ${need[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
echo "installed: ${need[*]}"
