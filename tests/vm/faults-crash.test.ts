// vfslab itself crashing at each stage (VFSLAB_TEST_CRASH_AT, harness/test-seams.ts):
// image (before the initramfs check), boot (QEMU's first console byte), run
// (after the first batch's verdicts; an uncaught exception, no finally block
// runs), report (an exception between --json and --junit). Each time: no
// QEMU of the run is left (counted), temp files are gone, and what was done
// is kept: TAP lines and --traces so far, a --json already written, and the
// console log of a guest that was running.
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import t, { type Test } from 'tap';
import { imagesDir, repoRoot } from '../../harness/paths.js';
import { qemusUnder, vfslabRun, type CliRun } from '../fixtures/faults/cli-run.js';
import { EVIDENCE, leftWorkDirs } from '../fixtures/evidence.js';

const scenarios = ['close-reuse', 'dup2-over-open-fd'].map((n) => path.join(repoRoot, 'tests/scenarios/fd', `${n}.scenario`));

async function crashAt(t: Test, stage: string): Promise<CliRun> {
  // The guest's work dir goes under the run's own TMPDIR: what is left there is this run's.
  const r = await vfslabRun([...scenarios, '--batch', '1', '--json', '{dir}/r.json', '--junit', '{dir}/r.xml', '--traces', '{dir}/traces'], { VFSLAB_TEST_CRASH_AT: stage });
  t.teardown(() => [r.dir, r.tmp].forEach((d) => rmSync(d, { recursive: true, force: true })));
  return r;
}

const stageDirs = () => readdirSync(imagesDir).filter((f) => f.startsWith('.stage-'));

function common(t: Test, r: CliRun, stage: string): void {
  t.not(r.code, 0, `the run fails (exit ${r.code})`);
  t.not(r.code, 2, 'not taken for bad input');
  t.match(r.err, new RegExp(`VFSLAB_TEST_CRASH_AT=${stage}: injected crash`), 'the crash is reported');
  t.same(stageDirs(), [], 'no half-built image stage dir in images/');
}

t.test('crash at image: nothing booted, nothing left', async (t) => {
  const r = await crashAt(t, 'image');
  common(t, r, 'image');
  t.equal(await qemusUnder(r.tmp), 0, 'no QEMU');
  t.same(leftWorkDirs(r.tmp), [], 'no work dir');
  t.notOk(existsSync(path.join(r.dir, 'r.json')), 'no results claimed');
});

t.test('crash at boot: QEMU killed, temp files gone, console log kept', async (t) => {
  const r = await crashAt(t, 'boot');
  common(t, r, 'boot');
  t.equal(await qemusUnder(r.tmp), 0, 'no QEMU of the run is left');
  const left = leftWorkDirs(r.tmp);
  t.equal(left.length, 1, 'one work dir holds the evidence');
  t.same(left[0]?.files, EVIDENCE, 'only the console log and the QEMU command line (pmem image, keys, QMP socket removed)');
  t.match(r.err, /crashed; kept console\.log, qemu\.argv\.json in /, 'stderr says where');
});

t.test('crash mid-run: finished results and the console log kept, nothing running', async (t) => {
  const r = await crashAt(t, 'run');
  common(t, r, 'run');
  t.equal(await qemusUnder(r.tmp), 0, 'no QEMU of the run is left');
  t.match(r.out, /^ok 1 - .*close-reuse/m, 'the first batch was reported before the crash');
  t.ok(existsSync(path.join(r.dir, 'traces/close-reuse.jsonl')), 'its trace is kept');
  const left = leftWorkDirs(r.tmp);
  t.same(left.map((d) => d.files), [EVIDENCE], 'only the evidence is left');
  const log = left[0] ? readFileSync(path.join(r.tmp, left[0].name, 'console.log'), 'utf8') : '';
  t.match(log, /VFSLAB-READY/, 'the console log covers the run');
});

t.test('crash while writing the report: results already written kept, no partial file', async (t) => {
  const r = await crashAt(t, 'report');
  common(t, r, 'report');
  t.equal(await qemusUnder(r.tmp), 0, 'no QEMU');
  t.same(leftWorkDirs(r.tmp), [], 'the guest had been shut down: no work dir');
  const json = path.join(r.dir, 'r.json');
  t.ok(existsSync(json) && statSync(json).size > 0, '--json written before the crash is kept');
  t.equal((JSON.parse(readFileSync(json, 'utf8')) as { scenarios: unknown[] }).scenarios.length, 2, 'and complete');
  t.same(readdirSync(r.dir).filter((f) => f.endsWith('.part') || f === 'r.xml'), [], 'no half-written or later file');
});
