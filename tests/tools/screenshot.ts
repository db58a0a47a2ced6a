// npm run screenshot: regenerates the README's evidence from a real run.
// Runs the fd scenarios plus the planted divergence (tests/fixtures/planted/)
// on a stock guest with --report, keeps the run's terminal output as
// docs/images/run-output.txt, and photographs the failing scenario's page and
// the index in headless Chromium as docs/images/report.png and
// docs/images/report-index.png. Exit 0 only if the run diverged exactly as
// planted (exit 1) and both screenshots were written.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const out = path.join(root, 'docs/images');
const dir = mkdtempSync(path.join(os.tmpdir(), 'vfslab-screenshot-'));
const report = path.join(dir, 'report');
const args = ['run', 'tests/scenarios/fd', 'tests/fixtures/planted/dup-number.scenario', '--report', report];

function fail(msg: string): never {
  console.error(`screenshot: ${msg} (work dir kept: ${dir})`);
  process.exit(1);
}

// stdout and stderr in one stream, in the order a terminal shows them; plain
// progress (CI=true) so the capture holds no control codes.
console.error(`screenshot: bin/vfslab ${args.join(' ')}`);
const run = spawnSync('sh', ['-c', 'exec "$0" "$@" 2>&1', path.join(root, 'bin/vfslab'), ...args], {
  cwd: root,
  encoding: 'utf8',
  env: { ...process.env, CI: 'true' },
  timeout: 600_000,
});
if (run.status !== 1) fail(`expected exit 1 (the planted divergence), got ${run.status}:\n${run.stdout}`);
if (!/^not ok \d+ - tests\/fixtures\/planted\/dup-number\.scenario/m.test(run.stdout)) fail('the planted scenario did not diverge');
mkdirSync(out, { recursive: true });
// Shown as if run with --report report/: the temporary path differs every time.
const shown = `$ bin/vfslab ${args.join(' ')}\n${run.stdout}$ echo $?\n1\n`.replaceAll(report, 'report');
writeFileSync(path.join(out, 'run-output.txt'), shown);

const chromium = ['chromium', 'chromium-browser', 'google-chrome'].find((c) => spawnSync(c, ['--version']).status === 0);
if (!chromium) fail('no chromium on PATH (harness/setup/packages.txt lists it; run make setup)');
const flags = ['--headless', '--no-sandbox', '--disable-gpu', '--hide-scrollbars', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', `--user-data-dir=${path.join(dir, 'chromium')}`];
const shots: [string, string, string][] = [
  ['planted-dup-number.html', 'report.png', '1280,1500'],
  ['index.html', 'report-index.png', '1280,800'],
];
for (const [page, png, size] of shots) {
  const file = path.join(out, png);
  const r = spawnSync(chromium, [...flags, `--window-size=${size}`, `--screenshot=${file}`, `file://${path.join(report, page)}`], { encoding: 'utf8', timeout: 120_000 });
  if (r.status !== 0 || !existsSync(file) || statSync(file).size < 10_000) fail(`chromium could not photograph ${page}: ${r.stderr.slice(-300)}`);
  console.error(`screenshot: ${path.relative(root, file)} (${statSync(file).size} bytes)`);
}
console.error(`screenshot: ${path.relative(root, path.join(out, 'run-output.txt'))}`);
rmSync(dir, { recursive: true, force: true });
