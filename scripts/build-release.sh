#!/usr/bin/env bash
# Builds the keydash binary that scripts/install.sh installs and
# scripts/benchmarks.py measures: $KEYDASH_INSTALL_BUILD/release/keydash
# (default .build-install).
#
# - The Swift runtime is linked in (--static-swift-stdlib), so the binary
#   runs on a host with only glibc and ncursesw.
# - It exports no symbols of its own (--no-export-dynamic). Swift exports
#   every symbol of an executable by default, about 46,000 here, and the
#   loader and the runtime's dladdr search them on every start: 1.6 ms of
#   `keydash --version`'s 7.8. Nothing looks keydash's symbols up by name.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${KEYDASH_INSTALL_BUILD:-.build-install}
swift build -c release --static-swift-stdlib -Xlinker --no-export-dynamic --scratch-path "$build" --product keydash
