#!/usr/bin/env bash
# Runs npuc's whole test suite on a fresh machine: installs the system libraries the build links
# (libjpeg-turbo, libpng, zlib), fetches the real models and data the fixture tests use
# (scripts/fetch-fixtures.sh, idempotent), builds, and runs every test. Exits non-zero on failure.
set -Eeuo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

log() { printf '[test] %s\n' "$*"; }

# System libraries for the build (present on most machines; installed when missing, as root).
missing=()
for pkg in libjpeg62-turbo-dev libpng-dev zlib1g-dev pkg-config; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  log "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

if [ "${NPUC_SKIP_FIXTURES:-0}" != 1 ]; then
  log "fetching fixtures (models, ONNX conformance cases, document pages, references)"
  scripts/fetch-fixtures.sh
fi

log "building (debug, with tests)"
start=$(date +%s)
swift build --build-tests
log "build took $(( $(date +%s) - start )) s"

log "running tests"
start=$(date +%s)
swift test --skip-build "$@"
log "tests took $(( $(date +%s) - start )) s"
