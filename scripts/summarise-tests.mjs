// One plain closing line for CI logs ("N passed, N failed"): vitest's JSON report, plus the
// short fuzz run counted as one more test (its exit status is the second argument).
import { readFileSync } from 'node:fs';

const report = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const fuzzPassed = process.argv[3] === '0';
const passed = (report.numPassedTests ?? 0) + (fuzzPassed ? 1 : 0);
const failed = (report.numFailedTests ?? 0) + (fuzzPassed ? 0 : 1);
const skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
const suitesFailed = (report.numFailedTestSuites ?? 0) > 0;
console.log(`tests: ${passed} passed, ${failed} failed` + (skipped ? `, ${skipped} skipped` : ''));
process.exit(failed > 0 || suitesFailed || report.numPassedTests === 0 ? 1 : 0);
