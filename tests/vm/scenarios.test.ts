// The scenario tree on real guests, checked against the model for each
// kernel's profile (stock, and the patched kernel `make test` builds): the
// same path as `vfslab run`, one tap test per scenario.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { repoRoot } from '../../harness/paths.js';
import { runScenarios } from '../../src/cli/run-scenarios.js';
import { collectScenarioFiles, loadScenarios } from '../../src/cli/scenario-files.js';
import { resolveProfile } from '../../src/cli/profile.js';
import { formatVerdict } from '../../src/check/index.js';
import type { DaxMode, FsType, PmemBackend } from '../../harness/qemu/args.js';

const files = collectScenarioFiles([path.join(repoRoot, 'tests/scenarios')]);
const scenarios = loadScenarios(files);

// Every backend, both filesystems and every mount mode appear at least once;
// `vfslab run --matrix` covers all 18 combinations.
const guests: { kernel: string; pmem: PmemBackend; fs: FsType; dax: DaxMode }[] = [
  { kernel: 'stock', pmem: 'nvdimm', fs: 'ext4', dax: 'always' },
  { kernel: 'stock', pmem: 'virtio', fs: 'xfs', dax: 'always' },
  { kernel: 'stock', pmem: 'memmap', fs: 'xfs', dax: 'inode' },
  { kernel: 'stock', pmem: 'nvdimm', fs: 'ext4', dax: 'never' },
  // The whole tree on the patched kernel, against its profile (leaseCloseShutdown, mapDirect).
  { kernel: 'patched', pmem: 'nvdimm', fs: 'xfs', dax: 'always' },
];
// A generous settle time: on a loaded host a quick step must not be reported blocked.
const settleMs = 300;

// The guests run a few at a time: a guest spends most of its time waiting
// (lease break timers, settle times), ~30% of one core measured, so three
// share this machine's two cores. VFSLAB_GUEST_JOBS overrides.
const jobs = Math.max(1, Number(process.env['VFSLAB_GUEST_JOBS'] ?? 3) || 1);

async function runGuest(g: (typeof guests)[number]) {
  const profile = await resolveProfile(g.kernel, undefined);
  return runScenarios({ scenarios, profile, settleMs, ...g });
}

/** Every guest's outcome, in guest order, at most `jobs` running at once. */
async function runAll(): Promise<PromiseSettledResult<Awaited<ReturnType<typeof runGuest>>>[]> {
  const out: PromiseSettledResult<Awaited<ReturnType<typeof runGuest>>>[] = new Array(guests.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < guests.length) {
      const i = next++;
      try {
        out[i] = { status: 'fulfilled', value: await runGuest(guests[i]!) };
      } catch (reason) {
        out[i] = { status: 'rejected', reason };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(jobs, guests.length) }, worker));
  return out;
}

const outcomes = await runAll();

// Top-level assertions, one per scenario and guest, so each counts in the summary.
guests.forEach((g, gi) => {
  const where = `${g.kernel} ${g.pmem}/${g.fs}/dax=${g.dax}`;
  const settled = outcomes[gi]!;
  if (settled.status === 'rejected') {
    t.fail(`${where}: the guest run failed: ${settled.reason instanceof Error ? settled.reason.message : String(settled.reason)}`);
    return;
  }
  const outcome = settled.value;
  t.equal(outcome.results.length, scenarios.length, `${where}: every scenario has a verdict`);
  outcome.results.forEach((r, i) => {
    const name = `${where} ${path.relative(repoRoot, files[i]!)}`;
    const v = r.verdict;
    if (v.kind === 'pass') t.pass(name);
    else if (v.kind === 'not-applicable' || v.kind === 'not-modelled') t.pass(name, { skip: `${v.kind}: ${v.reason}` });
    else t.fail(`${name}\n${formatVerdict(v)}`);
  });
  // For tests/flaky/run.ts: every verdict of this guest, to compare between runs.
  const verdictsDir = process.env['VFSLAB_VERDICTS_DIR'];
  if (verdictsDir) {
    const records = outcome.results.map((r, i) => ({ guest: where, file: path.relative(repoRoot, files[i]!), verdict: r.verdict.kind }));
    writeFileSync(path.join(verdictsDir, `${where.replace(/[^\w.-]+/g, '_')}.json`), JSON.stringify(records, null, 1) + '\n');
  }
  t.same(
    outcome.oopses.map((o) => `${o.rule}: ${o.text}`),
    [],
    `${where}: no oops on the console`,
    // On failure: what the kernel printed, and where the whole console log was kept.
    { oopses: outcome.oopses.map((o) => ({ consoleLog: o.consoleLog, excerpt: o.excerpt })) },
  );
});
