#!/usr/bin/env bash
# Installs dependencies, builds, and runs the whole test suite with ctest (run as root on a fresh
# Debian bookworm machine; as an ordinary user once the packages are installed).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
if [ "$(id -u)" -eq 0 ]; then
  ./scripts/test-users.sh
fi
./scripts/build.sh
cd build
ctest --output-on-failure --timeout 600 -j"$(nproc)" "$@"
