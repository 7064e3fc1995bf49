// Prints the closing line CI reads, `N passed, N failed, N skipped`, from Vitest's JSON report.
import { existsSync, readFileSync } from 'node:fs';

const file = process.argv[2] ?? '.test-results/vitest.json';
if (!existsSync(file)) {
  console.log('Tests: 0 passed, 1 failed, 0 skipped');
  console.error(`no test report at ${file}: vitest did not run to the end`);
  process.exit(0);
}
const report = JSON.parse(readFileSync(file, 'utf8'));
const skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
// A test file that failed to load counts as a failure even when it registered no test.
const brokenSuites = (report.testResults ?? []).filter(
  (r) => r.status === 'failed' && (r.assertionResults ?? []).length === 0,
).length;
console.log(
  `Tests: ${report.numPassedTests} passed, ${report.numFailedTests + brokenSuites} failed, ${skipped} skipped`,
);
