#!/usr/bin/env bash
# Installs what the cluster tests (tests/cluster/) use to build hosts: iproute2 (ip netns, veth,
# bridge, tc) and nftables (silent drops for partitions, random drops for packet loss).
# Idempotent; needs root (as in CI). A failed install is reported, not fatal: the cluster tests
# then skip and say why.
set -euo pipefail

missing=()
command -v ip >/dev/null 2>&1 || missing+=(iproute2)
command -v nft >/dev/null 2>&1 || missing+=(nftables)
if [ ${#missing[@]} -eq 0 ]; then
    echo "install-netns: iproute2 and nftables are already installed"
    exit 0
fi
if ! command -v apt-get >/dev/null 2>&1 || [ "$(id -u)" -ne 0 ]; then
    echo "install-netns: need root and apt-get to install ${missing[*]} (the cluster tests will skip)" >&2
    exit 0
fi
export DEBIAN_FRONTEND=noninteractive
if apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; then
    echo "install-netns: installed ${missing[*]}"
else
    echo "install-netns: apt-get could not install ${missing[*]} (the cluster tests will skip)" >&2
fi
