// The CI fixed-seed fuzz budget, on one warm guest (about 2 minutes):
// 1. a planted divergence (the model's deliberately wrong ignoreCloexec rule)
//    is found, reproduced and shrunk to at most 6 steps in at most 100 guest
//    runs and 60 s;
// 2. the stock model against the stock kernel: a fixed seed of generated
//    cases across all areas ends with no divergence.
// `vfslab fuzz --time 600` is the long run (docs/fuzz.md).
import t from 'tap';
import { FuzzSession } from '../../src/cli/fuzz-session.js';
import { resolveProfile } from '../../src/cli/profile.js';
import { runCampaign } from '../../src/fuzz/campaign.js';
import { findingScenarioText } from '../../src/fuzz/report.js';

const profile = await resolveProfile('stock', undefined);
const guest = { pmem: 'nvdimm', fs: 'ext4', dax: 'always' } as const;
const session = new FuzzSession({ kernel: 'stock', profile, ...guest, settleMs: 200 });
const lines: string[] = [];
const log = (l: string): void => void lines.push(l);

try {
  await t.test('a planted wrong rule is caught and shrunk within the bounds', async (t) => {
    const model = { rules: { ignoreCloexec: true } };
    session.setModel(model);
    const before = session.guestRuns;
    const r = await runCampaign(session, {
      area: 'fd', seed: 1, count: 100, batch: 100, env: { profile, guest, model },
      shrink: { batch: 24, maxRuns: 99 }, maxShrinks: 1, log,
    });
    const f = r.findings.find((x) => x.shrink);
    t.ok(f, 'a divergence was found and shrunk');
    if (!f?.shrink) return;
    t.equal(f.kind, 'divergence', 'it reproduced');
    t.ok(f.shrink.minimal.steps.length <= 6, `minimal scenario has ${f.shrink.minimal.steps.length} steps (<= 6)`);
    // The reproduction run counts too.
    t.ok(f.shrink.runs + 1 <= 100, `${f.shrink.runs + 1} guest runs (<= 100)`);
    t.ok(f.shrink.ms <= 60_000, `${(f.shrink.ms / 1000).toFixed(1)} s (<= 60 s)`);
    t.ok(f.shrink.minimal.steps.some((s) => s.op.kind === 'execve'), 'the minimal scenario keeps the execve');
    t.comment(findingScenarioText(f, { kernel: 'stock', ...guest, plant: 'ignoreCloexec' }));
    t.ok(session.guestRuns - before <= 100 + 100, 'campaign plus shrink stayed small');
  });

  await t.test('stock kernel, stock model: a fixed seed gives no divergence', async (t) => {
    session.setModel(undefined);
    const r = await runCampaign(session, {
      area: 'all', seed: 20261121, count: 800, batch: 100, env: { profile, guest },
      shrink: { batch: 24, maxRuns: 99 }, maxShrinks: 2, log,
    });
    t.equal(r.cases, 800);
    t.same(r.findings.map((f) => `${f.kind}: ${f.signature}`), [], 'no findings');
    t.equal(r.tally.diverged, 0, 'no divergence');
    t.equal(r.tally.infra, 0, `no infrastructure errors${r.infraReasons.length ? ': ' + r.infraReasons[0] : ''}`);
    t.comment(`${r.cases} cases, ${r.checkedPerSecond.toFixed(1)} checked/s, ${r.tally['not-modelled']} not modelled`);
  });
} finally {
  await session.close();
  if (t.passing()) lines.length = 0;
  for (const l of lines) t.comment(l);
}
