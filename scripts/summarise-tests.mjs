// One plain closing line for CI logs ("N passed, N failed"): vitest's JSON reports (one or more,
// when projects ran in separate vitest processes), plus the short fuzz run counted as one more
// test (its exit status is the last argument).
import { readFileSync } from 'node:fs';

const args = process.argv.slice(2);
const reports = args.filter((a) => a.endsWith('.json')).map((path) => JSON.parse(readFileSync(path, 'utf8')));
const fuzzPassed = args.filter((a) => !a.endsWith('.json'))[0] === '0';
const sum = (field) => reports.reduce((n, r) => n + (r[field] ?? 0), 0);
const vitestPassed = sum('numPassedTests');
const passed = vitestPassed + (fuzzPassed ? 1 : 0);
const failed = sum('numFailedTests') + (fuzzPassed ? 0 : 1);
const skipped = sum('numPendingTests') + sum('numTodoTests');
const suitesFailed = sum('numFailedTestSuites') > 0;
// A test that passed with errors recorded failed once and passed on its retry (e2e only).
const flaky = reports.flatMap((report) =>
  report.testResults.flatMap((file) =>
    file.assertionResults.filter((t) => t.status === 'passed' && t.failureMessages.length > 0).map((t) => t.fullName),
  ),
);
for (const name of flaky) console.log(`flaky (passed on retry): ${name}`);
console.log(`tests: ${passed} passed, ${failed} failed` + (skipped ? `, ${skipped} skipped` : '') + (flaky.length ? `, ${flaky.length} of them on retry` : ''));
process.exit(failed > 0 || suitesFailed || reports.length === 0 || vitestPassed === 0 ? 1 : 0);
