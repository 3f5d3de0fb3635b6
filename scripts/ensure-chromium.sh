#!/usr/bin/env bash
# Headless Chromium (and a CJK font, so screenshots of Chinese evidence are readable) for the
# HTML report and review-page tests: Debian's packages, installed once when missing and when
# we may (root or passwordless sudo). Otherwise say so; the browser tests then skip, unless
# SUMMARIZER_REQUIRE_BROWSER=1 (CI), where they fail.
set -euo pipefail
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
fc-list 2>/dev/null | grep -qi "wenquanyi\|wqy" || missing+=(fonts-wqy-zenhei)
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ]; then SUDO=""; elif sudo -n true 2>/dev/null; then SUDO="sudo"; else
  echo "missing ${missing[*]}, and installing needs root: browser tests will be skipped" >&2
  echo "  (install with: sudo apt-get install -y ${missing[*]})" >&2
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
chromium --version
