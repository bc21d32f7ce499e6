#!/usr/bin/env bash
# Every test, from a fresh clone after `npm ci`: system packages, the build, the Firefox lint,
# then all vitest projects (engine, extension, UI, interop, browser end to end) and a short fuzz.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-system-deps.sh
npm run build
npx web-ext lint --source-dir .output/firefox-mv2 --self-hosted --warnings-as-errors=false
mkdir -p test-results
status=0
npx vitest run --reporter=default --reporter=json --outputFile=test-results/vitest.json || status=$?
node scripts/summarise-tests.mjs test-results/vitest.json || status=1
node dist/fuzz.mjs --count 20000 || status=1
exit $status
