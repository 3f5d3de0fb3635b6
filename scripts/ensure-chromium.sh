#!/usr/bin/env bash
# Headless Chromium for the HTML report and review-page tests: Debian's package, installed
# once when missing and when we may (root or passwordless sudo). Otherwise say so; the
# browser tests then skip, unless SUMMARIZER_REQUIRE_BROWSER=1 (CI), where they fail.
set -euo pipefail
if command -v chromium >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" = 0 ]; then SUDO=""; elif sudo -n true 2>/dev/null; then SUDO="sudo"; else
  echo "chromium is not installed and installing it needs root: browser tests will be skipped" >&2
  echo "  (install it with: sudo apt-get install -y chromium)" >&2
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends chromium >/dev/null
chromium --version
