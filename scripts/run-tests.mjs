#!/usr/bin/env node
// `pnpm test`: builds every package (the CLI tests spawn the built app), runs every vitest test, and ends with the
// plain "N passed, N failed" line CI reads. Extra arguments go to vitest (e.g. a path filter).
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = (name) => join(root, 'node_modules', '.bin', name);
const environment = { ...process.env, TURBO_TELEMETRY_DISABLED: '1' };

const build = spawnSync(bin('turbo'), ['run', 'build', '--output-logs=errors-only'], { cwd: root, stdio: 'inherit', env: environment });
if (build.status !== 0) {
  console.log('0 passed, 1 failed');
  console.error('build failed');
  process.exit(build.status ?? 1);
}

const reportFile = join(root, 'test-results', 'vitest.json');
mkdirSync(dirname(reportFile), { recursive: true });
const tests = spawnSync(
  bin('vitest'),
  ['run', '--reporter=default', '--reporter=json', `--outputFile.json=${reportFile}`, ...process.argv.slice(2)],
  { cwd: root, stdio: 'inherit', env: environment },
);

let summary = 'no report';
try {
  const report = JSON.parse(readFileSync(reportFile, 'utf8'));
  const skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
  // A file that fails to load counts as a failure even though it has no failed test.
  const failedSuites = (report.testResults ?? []).filter((file) => file.status === 'failed' && (file.assertionResults ?? []).every((test) => test.status !== 'failed')).length;
  summary = `${report.numPassedTests} passed, ${report.numFailedTests + failedSuites} failed${skipped > 0 ? `, ${skipped} skipped` : ''}`;
} catch (error) {
  summary = `0 passed, 1 failed`;
  console.error(`could not read the test report: ${error}`);
}
console.log(summary);
process.exit(tests.status ?? 1);
