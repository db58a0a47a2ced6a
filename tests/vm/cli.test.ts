// The CLI on a real guest: `vfslab boot` runs a command and returns its
// status; Ctrl-C (SIGINT) leaves no QEMU and only the console evidence, and
// says where; a reproducer made
// by `vfslab repro` replays its scenario in the guest and the model agrees.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { launchGuest } from '../../harness/launch.js';
import { loadScenarios } from '../../src/cli/scenario-files.js';
import { parseTrace } from '../../src/trace/parse.js';
import { checkTrace, formatVerdict } from '../../src/check/index.js';
import { resolveProfile } from '../../src/cli/profile.js';
import { EVIDENCE } from '../fixtures/evidence.js';
import { ownTmpdir } from '../fixtures/tmpdir.js';

// What this file and its children make under os.tmpdir() goes when it ends.
ownTmpdir(t);

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const vfslab = path.join(root, 'bin/vfslab');

t.test('vfslab boot -- CMD exits with the command status', async (t) => {
  const r = spawnSync(vfslab, ['boot', '--pmem', 'nvdimm', '--fs', 'xfs', '--dax', 'always', '--', 'grep -q "pmem0 /mnt/pmem xfs .*dax=always" /proc/mounts && exit 7'], {
    encoding: 'utf8',
    timeout: 120_000,
  });
  t.equal(r.status, 7, `status of the guest command (stderr: ${r.stderr.slice(-400)})`);
});

t.test('SIGINT during vfslab boot leaves no QEMU, and of the work dir only the console evidence', async (t) => {
  const child = spawn(vfslab, ['boot', '--', 'sleep 120'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  const ready = new Promise<void>((resolve) =>
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
      if (/guest ready/.test(err)) resolve();
    }),
  );
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code, sig) => resolve(code ?? (sig ? 128 : null))));
  await Promise.race([ready, exited]);
  const workDir = /console: (\/\S+)\/console\.log/.exec(err)?.[1];
  t.ok(workDir, `the work dir is named (${err.slice(-300)})`);
  child.kill('SIGINT');
  const code = await exited;
  t.equal(code, 130, 'exit 130 after SIGINT');
  const left = spawnSync('pgrep', ['-af', `qemu-system.*${workDir}`], { encoding: 'utf8' }).stdout.trim();
  t.equal(left, '', 'no QEMU of this run is left');
  if (workDir) t.teardown(() => rmSync(workDir, { recursive: true, force: true }));
  t.same(workDir && existsSync(workDir) ? readdirSync(workDir).sort() : [], EVIDENCE, 'the pmem image, key and sockets are removed, the console log and QEMU command line kept');
  t.match(err, `vfslab: interrupted by SIGINT; kept console.log, qemu.argv.json in ${workDir}\n`, 'stderr says where');
});

t.test('vfslab repro builds a program that replays the scenario in the guest', async (t) => {
  const file = path.join(root, 'tests/scenarios/lease/break-setsig-sifd.scenario');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'vfslab-repro-'));
  const src = spawnSync(vfslab, ['repro', file], { encoding: 'utf8' });
  t.equal(src.status, 0, src.stderr);
  const c = path.join(dir, 'repro.c');
  writeFileSync(c, src.stdout);
  const cc = spawnSync('gcc', ['-static', '-O2', '-Wall', '-o', path.join(dir, 'repro'), c], { encoding: 'utf8' });
  t.equal(cc.status, 0, `gcc -static -Wall builds it (${cc.stderr.slice(0, 400)})`);
  const { guest } = await launchGuest({});
  t.teardown(() => guest.shutdown());
  await guest.upload(path.join(dir, 'repro'), '/tmp/repro', 0o755);
  const r = await guest.exec('mkdir -p /mnt/pmem/r && cd /mnt/pmem/r && /tmp/repro');
  t.equal(r.code, 0, `repro exits 0 (${r.stderr.slice(0, 300)})`);
  const [scenario] = loadScenarios([file]);
  const v = checkTrace(scenario!, await resolveProfile('stock', undefined), parseTrace(r.stdout).observations);
  t.equal(v.kind, 'pass', formatVerdict(v));
});
