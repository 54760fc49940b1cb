#!/usr/bin/env bash
# Installs Debian's chromium (headless browser for the report's browser test). Idempotent: does nothing when a
# chromium binary is already on PATH; apt's own cache keeps the .debs. Needs root (or sudo) and an apt source.
set -euo pipefail
if command -v chromium >/dev/null 2>&1; then
  echo "chromium: $(command -v chromium) ($(chromium --version 2>/dev/null || echo 'version unknown'))"
  exit 0
fi
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null 2>&1 || { echo "install-chromium: run as root or install sudo" >&2; exit 1; }
  sudo="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
# apt-get update only when the package lists do not know chromium yet
if ! apt-cache show chromium >/dev/null 2>&1; then $sudo apt-get update -qq; fi
$sudo apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
echo "chromium: $(command -v chromium) ($(chromium --version 2>/dev/null || echo 'version unknown'))"
