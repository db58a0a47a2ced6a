// Runs tap over the given directories, passes its TAP through, and closes with
// the plain line CI reads: "N passed, N failed". A test is a top-level subtest
// of a test file; a file that fails outside any subtest (a crash, a timeout)
// counts as one failure. tap's own summary is not a line CI reads.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

const dirs = process.argv.slice(2);
const child = spawn('npx', ['tap', '--reporter=tap', ...dirs], { stdio: ['ignore', 'pipe', 'inherit'] });
let passed = 0;
let failed = 0;
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
child.on('close', (code) => {
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(code === 0 && failed === 0 ? 0 : 1);
});
