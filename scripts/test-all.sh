#!/usr/bin/env bash
# Every test, from a fresh clone after `npm ci`: system packages, the build, the Firefox lint,
# all vitest projects (engine, extension, UI, interop, browser end to end), a short fuzz run,
# then one closing line counting everything.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-system-deps.sh
# The Lounge and the Node 22 it needs, kept out of the project's own node_modules/.bin.
npm ci --prefix test/stacks/thelounge --no-audit --no-fund
npm run build
npm run build:android
npx web-ext lint --source-dir .output/firefox-mv2 --self-hosted
npx tsc --noEmit -p .
npm run lint
mkdir -p test-results
vitest_status=0
npx vitest run --reporter=default --reporter=json --outputFile=test-results/vitest.json || vitest_status=$?
fuzz_status=0
node dist/fuzz.mjs --count 20000 || fuzz_status=$?
node scripts/summarise-tests.mjs test-results/vitest.json "$fuzz_status"
