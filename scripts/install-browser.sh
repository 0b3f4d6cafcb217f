#!/usr/bin/env bash
# Installs Debian's Chromium for the dashboard's browser test (tests/acceptance/test_browser.py),
# unless a Chromium is already there. Idempotent; needs root (as in CI) for apt-get.
# Playwright drives this system browser: `playwright install` (which downloads its own) is never run.
set -euo pipefail

for candidate in chromium chromium-browser google-chrome; do
    if command -v "$candidate" >/dev/null 2>&1; then
        echo "install-browser: $(command -v "$candidate") is already installed"
        exit 0
    fi
done

if ! command -v apt-get >/dev/null 2>&1; then
    echo "install-browser: no apt-get here; install Chromium yourself (the browser test will skip)" >&2
    exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
        echo "install-browser: not root and no sudo; cannot install Chromium (the browser test will skip)" >&2
        exit 0
    fi
fi

export DEBIAN_FRONTEND=noninteractive
# A failed install is reported, not fatal: the browser test then skips and says why.
if $SUDO apt-get update -qq && $SUDO apt-get install -y -qq chromium >/dev/null; then
    echo "install-browser: installed $(command -v chromium) ($(chromium --version 2>/dev/null || echo 'version unknown'))"
else
    echo "install-browser: apt-get could not install chromium (the browser test will skip)" >&2
fi
