// One plain closing line for CI logs ("N passed, N failed"): vitest's JSON report, plus the
// short fuzz run counted as one more test (its exit status is the second argument).
import { readFileSync } from 'node:fs';

const report = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const fuzzPassed = process.argv[3] === '0';
const passed = (report.numPassedTests ?? 0) + (fuzzPassed ? 1 : 0);
const failed = (report.numFailedTests ?? 0) + (fuzzPassed ? 0 : 1);
const skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
const suitesFailed = (report.numFailedTestSuites ?? 0) > 0;
// A test that passed with errors recorded failed once and passed on its retry (e2e only).
const flaky = report.testResults.flatMap((file) =>
  file.assertionResults.filter((t) => t.status === 'passed' && t.failureMessages.length > 0).map((t) => t.fullName),
);
for (const name of flaky) console.log(`flaky (passed on retry): ${name}`);
console.log(`tests: ${passed} passed, ${failed} failed` + (skipped ? `, ${skipped} skipped` : '') + (flaky.length ? `, ${flaky.length} of them on retry` : ''));
process.exit(failed > 0 || suitesFailed || report.numPassedTests === 0 ? 1 : 0);
