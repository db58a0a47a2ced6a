// `vfslab run --json --junit` interrupted (SIGINT, as Ctrl-C) mid-run: it
// exits 130, QEMU is gone, and the results are kept: the TAP lines already
// printed, and --json/--junit hold every planned scenario, the finished ones
// with their verdicts and the rest `infra` "not finished: vfslab interrupted
// by SIGINT". Nothing new starts after the signal (tap's hooks in the child
// hold its exit a moment, as any other SIGINT handler would), and of the
// guest's work dir only the console evidence is left.
import { existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { repoRoot } from '../../harness/paths.js';
import { qemusUnder, readJsonResults, vfslabRun } from '../fixtures/faults/cli-run.js';
import { EVIDENCE, leftWorkDirs } from '../fixtures/evidence.js';

const fd = (n: string) => path.join(repoRoot, 'tests/scenarios/fd', `${n}.scenario`);
// Batches of 1: close-reuse finishes and is printed; slow sleeps 5 s, so the
// signal sent when the first TAP line appears lands while it runs.
const files = [fd('close-reuse'), path.join(repoRoot, 'tests/fixtures/faults/slow.scenario'), fd('dup2-over-open-fd')];

t.test('SIGINT mid-run: exit 130, finished results in --json and --junit, the rest not finished', async (t) => {
  let sent = false;
  const { code, err, tmp, dir } = await vfslabRun([...files, '--batch', '1', '--json', '{dir}/r.json', '--junit', '{dir}/r.xml'], {}, (out, signal) => {
    if (!sent && /^ok 1 - /m.test(out)) {
      sent = true;
      signal('SIGINT');
    }
  });
  t.teardown(() => [dir, tmp].forEach((d) => rmSync(d, { recursive: true, force: true })));
  const json = path.join(dir, 'r.json');
  const junit = path.join(dir, 'r.xml');
  t.ok(sent, `the first scenario was reported, then SIGINT sent (stderr: ${err.slice(-400)})`);
  t.equal(code, 130, 'exit 130');
  t.equal(await qemusUnder(tmp), 0, 'no QEMU of the run is left');
  t.notMatch(err, /recycling the guest/, 'no guest started after the signal');

  t.ok(existsSync(json), '--json written');
  const results = existsSync(json) ? readJsonResults(json) : [];
  t.same(results.map((r) => r.name), ['close-reuse', 'faults-slow', 'dup2-over-open-fd'], 'a record for every planned scenario, in order');
  t.equal(results[0]?.verdict.kind, 'pass', 'the finished one keeps its pass');
  for (const r of results.slice(1)) {
    t.same(r.verdict, { kind: 'infra', scenario: r.name, reason: 'not finished: vfslab interrupted by SIGINT' }, `${r.name}: not finished`);
  }
  const xml = existsSync(junit) ? readFileSync(junit, 'utf8') : '';
  t.match(xml, /tests="3"/, '--junit written, all three in it');
  t.match(err, /vfslab: interrupted by SIGINT; 1 of 3 scenario results written to \S+r\.json and \S+r\.xml, the rest as not finished/, 'stderr says what was written');

  const left = leftWorkDirs(tmp);
  t.same(left.map((d) => d.files), [EVIDENCE], 'of the guest only the console log and QEMU command line are left');
  t.match(err, `vfslab: interrupted by SIGINT; kept console.log, qemu.argv.json in ${path.join(tmp, left[0]?.name ?? '?')}\n`, 'and stderr says where');
});
