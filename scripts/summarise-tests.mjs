// One plain closing line for CI logs ("N passed, N failed"): vitest's JSON reports (the run
// without browsers and the browser run), plus the short fuzz run counted as one more test.
// Arguments: the fuzz run's exit status, then the reports. A report that is missing (its run
// died before writing it) fails the line.
import { existsSync, readFileSync } from 'node:fs';

const [fuzzStatus, ...paths] = process.argv.slice(2);
const missing = paths.filter((p) => !existsSync(p));
const reports = paths.filter((p) => existsSync(p)).map((p) => JSON.parse(readFileSync(p, 'utf8')));
const sum = (key) => reports.reduce((n, r) => n + (r[key] ?? 0), 0);
const fuzzPassed = fuzzStatus === '0';
const passed = sum('numPassedTests') + (fuzzPassed ? 1 : 0);
const failed = sum('numFailedTests') + (fuzzPassed ? 0 : 1);
const skipped = sum('numPendingTests') + sum('numTodoTests');
const suitesFailed = sum('numFailedTestSuites') > 0;
// A test that passed with errors recorded failed once and passed on its retry (e2e only).
const flaky = reports.flatMap((report) =>
  report.testResults.flatMap((file) => file.assertionResults.filter((t) => t.status === 'passed' && t.failureMessages.length > 0).map((t) => t.fullName)),
);
for (const name of flaky) console.log(`flaky (passed on retry): ${name}`);
for (const path of missing) console.log(`no report: ${path} (its vitest run did not finish)`);
console.log(`tests: ${passed} passed, ${failed} failed` + (skipped ? `, ${skipped} skipped` : '') + (flaky.length ? `, ${flaky.length} of them on retry` : ''));
const emptyRun = reports.some((r) => (r.numPassedTests ?? 0) === 0);
process.exit(failed > 0 || suitesFailed || missing.length > 0 || emptyRun ? 1 : 0);
