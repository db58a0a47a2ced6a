// Runs tap over the given directories, one tap run per directory, passes its
// TAP through, and closes with the plain line CI reads: "N passed, N failed".
// A test is a top-level subtest of a test file; a file that fails outside any
// subtest (a crash, a timeout) counts as one failure. tap's own summary is not
// a line CI reads.
//
// VM test files run two at a time: each mostly waits on its guests (timers,
// settle times, boots), so two keep this machine's two cores busy; unit
// tests keep the tap config's one at a time.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

const VM_TAP_JOBS = 2;

const dirs = process.argv.slice(2);
let passed = 0;
let failed = 0;
let allExited0 = true;

function runTap(dir: string): Promise<number | null> {
  const jobs = /(^|\/)tests\/vm\/?$/.test(dir) ? [`--jobs=${VM_TAP_JOBS}`] : [];
  const child = spawn('npx', ['tap', '--reporter=tap', ...jobs, dir], { stdio: ['ignore', 'pipe', 'inherit'] });
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

for (const dir of dirs) {
  if ((await runTap(dir)) !== 0) allExited0 = false;
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(allExited0 && failed === 0 ? 0 : 1);
