// vfslab diff: the same scenarios on two kernels, one guest after the other;
// prints the scenarios whose traces differ, side by side, with the model's
// verdict on each side against that kernel's own profile.
import path from 'node:path';
import { DAX_MODES, FS_TYPES, PMEM_BACKENDS } from '../../harness/qemu/args.js';
import { ACCEL_REQUESTS } from '../../harness/qemu/accel.js';
import { repoRoot } from '../../harness/paths.js';
import { InputError } from '../../harness/errors.js';
import { oneOf, parseCommandArgs, guestFlags } from './options.js';
import { collectScenarioFiles, loadScenarios } from './scenario-files.js';
import { resolveProfile } from './profile.js';
import { runScenarios, type RunOutcome } from './run-scenarios.js';
import { emptyTally, tally, tallyLine } from './tap-output.js';
import { bootStages, progress } from './progress.js';
import { compareRuns, diffRows } from './diff-compare.js';
import { formatSideBySide, verdictText } from './diff-format.js';

export const diffUsage = `usage: vfslab diff --kernel A --kernel B [SCENARIO_FILE|DIR ...]
                   [--profile PA --profile PB] [--pmem nvdimm|memmap|virtio]
                   [--fs ext4|xfs] [--dax always|inode|never] [--accel auto|kvm|tcg]
                   [--settle-ms N]

Runs the scenarios (default: tests/scenarios) on kernel A, then on kernel B
(one guest each, the same guest setup), and prints every scenario whose
traces differ (modulo times, pids and the runner's timing fields), step by
step: what A saw beside what B saw, with the model's verdict for each side
against that kernel's own profile. Scenarios one profile cannot run (a
missing feature) are counted, not compared. --profile, given twice, names the
profiles of kernels given as paths.

exit: 0 the model explains both sides of every scenario; 1 either side
diverges (or a kernel oopses); 2 bad input or missing set-up; 3 infrastructure.

examples:
  vfslab diff --kernel stock --kernel patched tests/scenarios/lease
  vfslab diff --kernel stock --kernel ~/linux/arch/x86/boot/bzImage --profile stock --profile stock my.scenario`;

const flags = {
  kernel: { type: 'string', multiple: true },
  profile: { type: 'string', multiple: true },
  ...guestFlags,
  'settle-ms': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

export async function diffCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs('diff', argv, flags, true);
  if (values.help) {
    console.log(diffUsage);
    return 0;
  }
  const kernels = values.kernel ?? [];
  if (kernels.length !== 2) throw new InputError('--kernel', `given ${kernels.length} time(s); vfslab diff compares two kernels`, '--kernel A --kernel B, e.g. --kernel stock --kernel patched');
  const profiles = values.profile ?? [];
  if (profiles.length !== 0 && profiles.length !== 2) throw new InputError('--profile', `given ${profiles.length} time(s)`, 'none, or one per --kernel, in the same order');
  const guest = {
    pmem: oneOf('--pmem', values.pmem, PMEM_BACKENDS.filter((b) => b !== 'none'), 'nvdimm'),
    fs: oneOf('--fs', values.fs, FS_TYPES, 'ext4'),
    dax: oneOf('--dax', values.dax, DAX_MODES, 'always'),
  };
  const accel = oneOf('--accel', values.accel, ACCEL_REQUESTS, 'auto');
  const settleArg = values['settle-ms'];
  if (settleArg !== undefined && !/^[1-9]\d*$/.test(settleArg)) throw new InputError('--settle-ms', `'${settleArg}' is not a positive integer`, 'e.g. 200');
  const settleMs = settleArg === undefined ? 200 : Number(settleArg);
  const files = collectScenarioFiles(positionals.length ? positionals : [path.join(repoRoot, 'tests/scenarios')]);
  if (files.length === 0) throw new InputError('vfslab diff', 'no scenario files found', 'files ending in .scenario, or directories holding them');
  const scenarios = loadScenarios(files);
  const labels = files.map((f) => path.relative(process.cwd(), f));
  const profs = [await resolveProfile(kernels[0]!, profiles[0]), await resolveProfile(kernels[1]!, profiles[1])] as const;
  const log = progress();

  const outcomes: RunOutcome[] = [];
  for (let k = 0; k < 2; k++) {
    const profile = profs[k]!;
    log(`diff: running ${scenarios.length} scenario(s) on kernel ${kernels[k]} (profile ${profile.name})`);
    const stages = bootStages(log);
    outcomes.push(await runScenarios({ scenarios, kernel: kernels[k]!, profile, ...guest, accel, settleMs, log, onStage: stages.onStage, onSpawn: stages.onSpawn }).finally(stages.end));
  }
  const [ra, rb] = [outcomes[0]!.results, outcomes[1]!.results];
  const [ka, kb] = [kernels[0]!, kernels[1]!];
  const c = compareRuns(ra, rb);

  console.log(`# vfslab diff ${ka} vs ${kb}: ${scenarios.length} scenario(s) on ${guest.pmem}/${guest.fs}/dax=${guest.dax}`);
  for (const [k, rs] of [[ka, ra], [kb, rb]] as const) {
    const t = emptyTally();
    rs.forEach((r) => tally(t, r));
    console.log(`# ${k} (profile ${k === ka ? profs[0].name : profs[1].name}): ${tallyLine(t)}`);
  }
  for (const i of c.differing) {
    console.log('');
    for (const l of formatSideBySide({ scenario: scenarios[i]!, label: labels[i]!, kernels: [ka, kb], verdicts: [ra[i]!.verdict, rb[i]!.verdict], rows: diffRows(ra[i]!.observations, rb[i]!.observations) })) console.log(l);
  }
  const quiet = c.diverged.filter((i) => !c.differing.includes(i));
  if (quiet.length) {
    console.log('\n# diverged without a trace difference:');
    for (const i of quiet) console.log(`${scenarios[i]!.name}: ${ka}: ${verdictText(ra[i]!.verdict)}; ${kb}: ${verdictText(rb[i]!.verdict)}`);
  }
  const unexplained = c.differing.filter((i) => c.diverged.includes(i)).length;
  console.log('');
  console.log(`# ${c.differing.length} scenario(s) differ (${c.differing.length - unexplained} explained by the model on both sides, ${unexplained} not); ${c.onlyA.length} ran on ${ka} only, ${c.onlyB.length} on ${kb} only`);
  if (c.differing.length) console.log(`#   differ: ${c.differing.map((i) => scenarios[i]!.name).join(', ')}`);
  if (c.onlyA.length + c.onlyB.length) console.log(`#   one side only: ${[...c.onlyA, ...c.onlyB].map((i) => scenarios[i]!.name).join(', ')}`);
  const oopses = outcomes.flatMap((o) => o.oopses);
  for (const o of oopses) console.log(`# kernel ${o.rule} on the console (line ${o.line})`);
  if (c.diverged.length > 0 || oopses.length > 0) return 1;
  if (c.infra.length > 0) return 3;
  return 0;
}
