#!/usr/bin/env bash
# Installs the Debian 12 packages studysearch needs, only those missing.
# Usage: scripts/deps.sh [build|test|bench]   (each level includes the previous)
set -euo pipefail
level="${1:-build}"
packages=(build-essential cmake pkg-config libxapian-dev libicu-dev nlohmann-json3-dev
          libcli11-dev libcpp-httplib-dev catch2 libbenchmark-dev libsqlite3-dev libboost-dev
          libxml2-dev zlib1g-dev)  # libxml2, zlib: PubMed XML reader
if [[ "$level" == test || "$level" == bench ]]; then
  # browser test (headless Chromium + playwright-core from npm), fuzzing and sanitizer runtimes
  packages+=(chromium clang-14 libclang-rt-14-dev curl)
  packages+=(libxml2-utils)  # xmllint: independent counts in the PubMed tests
  packages+=(xapian-tools)   # xapian-tcpsrv, xapian-replicate(-server): the shard and replica tests
  # Node.js may come from outside Debian (e.g. a newer build with its own npm,
  # which Debian's npm package conflicts with): only install it when absent.
  command -v node >/dev/null || packages+=(nodejs)
  command -v npm >/dev/null || packages+=(npm)
fi
if [[ "$level" == bench ]]; then
  packages+=(wrk hyperfine time python3)
fi
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "studysearch: installing missing Debian packages: ${missing[*]}" >&2
  SUDO=""; [[ $(id -u) -ne 0 ]] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
