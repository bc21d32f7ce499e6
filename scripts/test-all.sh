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
rm -f test-results/vitest-*.json
# The projects that start no browser (engine, group, extension, UI, interop) run beside the
# browser end-to-end files instead of before them, niced, so they take what the browsers leave
# of the two cores (stack start-ups, network round trips, the tests' waits for nothing to happen)
# and the browsers keep their pace. Their log is printed once the browsers are done.
nice -n 10 npx vitest run --project otr --project group --project extension --project ui --project interop \
  --reporter=default --reporter=json --outputFile=test-results/vitest-units.json > test-results/units.log 2>&1 &
units_pid=$!
npx vitest run --project e2e --reporter=default --reporter=json --outputFile=test-results/vitest-e2e.json || true
wait "$units_pid" || true
cat test-results/units.log
fuzz_status=0
node dist/fuzz.mjs --count 20000 || fuzz_status=$?
node scripts/summarise-tests.mjs "$fuzz_status" test-results/vitest-units.json test-results/vitest-e2e.json
