// Runs tap over the given directories, one tap run per directory, passes its
// TAP through, and closes with the plain line CI reads: "N passed, N failed".
// A test is a top-level subtest of a test file; a file that fails outside any
// subtest (a crash, a timeout) counts as one failure. tap's own summary is not
// a line CI reads.
//
// VM test files run two at a time: each mostly waits on its guests (timers,
// settle times, boots), so two keep this machine's two cores busy; unit
// tests keep the tap config's one at a time.
//
// The tests run with a TMPDIR of the suite's own (mode 1777 like /tmp: a test
// runs vfslab as nobody); whatever a directory's tests leave in it (a test's
// temp dir, a guest's work dir or its kept console log) is one more failure,
// named and kept for inspection, so that test runs do not fill /tmp unseen.
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';

const VM_TAP_JOBS = 2;

const dirs = process.argv.slice(2);
let passed = 0;
let failed = 0;
let allExited0 = true;
const suiteTmp = mkdtempSync(path.join(os.tmpdir(), 'vfslab-suite-'));
chmodSync(suiteTmp, 0o1777);
const kept = new Set<string>();

function runTap(dir: string): Promise<number | null> {
  const jobs = /(^|\/)tests\/vm\/?$/.test(dir) ? [`--jobs=${VM_TAP_JOBS}`] : [];
  const child = spawn('npx', ['tap', '--reporter=tap', ...jobs, dir], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, TMPDIR: suiteTmp } });
  let failedInFile = 0;
  createInterface({ input: child.stdout! }).on('line', (line) => {
    process.stdout.write(line + '\n');
    const sub = /^ {4}(not )?ok \d+/.exec(line);
    if (sub) {
      // Skipped and todo tests are not failures.
      if (sub[1] && !/# (SKIP|TODO)/i.test(line)) {
        failed++;
        failedInFile++;
      } else passed++;
      return;
    }
    const top = /^(not )?ok \d+/.exec(line);
    if (top) {
      if (top[1] && failedInFile === 0) failed++;
      failedInFile = 0;
    }
  });
  return new Promise((resolve) => child.on('close', resolve));
}

/** Compile caches (tsx's, Node's) are meant to stay for the next test. */
const CACHES = /^(tsx-|v8-compile-cache-)/;

/** What the tests of `dir` left in the suite's TMPDIR (beyond what earlier directories left). */
function reportLeftovers(dir: string): void {
  const left = readdirSync(suiteTmp).filter((n) => !CACHES.test(n) && !kept.has(n));
  if (left.length === 0) {
    passed++;
    console.log(`ok - ${dir} left nothing in TMPDIR`);
    return;
  }
  failed++;
  for (const n of left) kept.add(n);
  console.log(`not ok - ${dir} left ${left.length} entr${left.length === 1 ? 'y' : 'ies'} in TMPDIR, kept for inspection in ${suiteTmp}: ${left.slice(0, 10).join(', ')}`);
}

for (const dir of dirs) {
  if ((await runTap(dir)) !== 0) allExited0 = false;
  reportLeftovers(dir);
}
if (kept.size === 0) rmSync(suiteTmp, { recursive: true, force: true });
console.log(`${passed} passed, ${failed} failed`);
process.exit(allExited0 && failed === 0 ? 0 : 1);
