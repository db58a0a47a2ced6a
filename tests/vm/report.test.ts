// A planted divergence through the whole CLI: exit 1, JSON/JUnit/report
// written, and the failing scenario's page renders in headless Chromium with
// the divergence highlighted.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { ownTmpdir } from '../fixtures/tmpdir.js';

// What this file and its children make under os.tmpdir() goes when it ends.
ownTmpdir(t);

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const dir = mkdtempSync(path.join(os.tmpdir(), 'vfslab-report-vm-'));
const report = path.join(dir, 'report');
const chromiumFlags = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', `--user-data-dir=${path.join(dir, 'chromium')}`];

const run = spawnSync(
  path.join(root, 'bin/vfslab'),
  ['run', 'tests/scenarios/fd/close-reuse.scenario', 'tests/fixtures/planted/dup-number.scenario', '--report', report, '--json', path.join(dir, 'r.json'), '--junit', path.join(dir, 'r.xml')],
  { cwd: root, encoding: 'utf8', timeout: 180_000 },
);

// stderr goes to the diagnostics, not the name: a test point's name stays the same from run to run (npm run flaky).
t.equal(run.status, 1, 'exit 1 for a divergence', { stderr: run.stderr.slice(-300) });
t.match(run.stdout, /^ok 1 - tests\/scenarios\/fd\/close-reuse.scenario/m);
t.match(run.stdout, /^not ok 2 - tests\/fixtures\/planted\/dup-number.scenario/m);
t.match(run.stdout, /seen: +done ret=4 errno=0/);
for (const f of ['index.html', 'summary.md', 'metadata.json', 'planted-dup-number.html', 'planted-dup-number.repro.c', 'planted-dup-number.reproducer.sh']) {
  t.ok(existsSync(path.join(report, f)), `report has ${f}`);
}
const meta = JSON.parse(readFileSync(path.join(report, 'metadata.json'), 'utf8')) as { qemu: { accel: string }; guest: { qemuArgv: string[] } }[];
t.ok(meta[0]!.guest.qemuArgv.length > 10, 'metadata keeps the QEMU command line');
t.match(readFileSync(path.join(dir, 'r.xml'), 'utf8'), /failures="1"/);

const page = `file://${path.join(report, 'planted-dup-number.html')}`;
const dom = spawnSync('chromium', [...chromiumFlags, '--dump-dom', page], { encoding: 'utf8', timeout: 60_000 });
t.equal(dom.status, 0, 'chromium renders the page', { stderr: dom.stderr.slice(-200) });
t.match(dom.stdout, /<tr class="div">/, 'the divergent step is highlighted');
t.match(dom.stdout, /hand-pinned expectation/);
const png = path.join(dir, 'page.png');
spawnSync('chromium', [...chromiumFlags, '--window-size=1400,1600', `--screenshot=${png}`, page], { timeout: 60_000 });
t.ok(existsSync(png) && statSync(png).size > 20_000, 'a screenshot of the page');
