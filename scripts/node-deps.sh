#!/usr/bin/env bash
# Node packages the tests use to read our feeds as other clients do (ical.js, node-ical, axe-core).
set -euo pipefail
cd "$(dirname "$0")/../tests/js"
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
