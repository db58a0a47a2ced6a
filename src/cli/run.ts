// vfslab run: scenarios on one guest, checked against the kernel's profile.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { DAX_MODES, FS_TYPES, PMEM_BACKENDS, type DaxMode, type FsType, type PmemBackend } from '../../harness/qemu/args.js';
import { ACCEL_REQUESTS } from '../../harness/qemu/accel.js';
import { repoRoot } from '../../harness/paths.js';
import { InputError } from '../../harness/errors.js';
import { oneOf, parseCommandArgs, guestFlags } from './options.js';
import { collectScenarioFiles, loadScenarios } from './scenario-files.js';
import { resolveProfile } from './profile.js';
import { runScenarios, type ScenarioResult } from './run-scenarios.js';
import { emptyTally, tally, tallyLine, tapLine } from './tap-output.js';
import { bootStages, progress, ticker } from './progress.js';
import { inShard, parseShard } from './shard.js';
import { checkOutputPaths, writeResults } from './results-files.js';
import { metadataOf } from './run-metadata.js';
import { withUnfinished } from './interrupted-results.js';
import { readManifest } from '../../harness/image/manifest.js';
import { onCleanup, processInterrupted, signalExitStatus } from '../../harness/cleanup.js';
import { RESULTS_VERSION, type RunResults, type ScenarioRecord } from '../report/types.js';

export const runUsage = `usage: vfslab run [SCENARIO_FILE|DIR ...] [--kernel stock|NAME|PATH] [--profile NAME|FILE]
                  [--pmem nvdimm|memmap|virtio] [--fs ext4|xfs] [--dax always|inode|never]
                  [--accel auto|kvm|tcg] [--settle-ms N] [--batch N] [--keep]
                  [--traces DIR] [--json FILE] [--junit FILE] [--report DIR] [--shard K/N]
                  [--matrix]

Boots one guest, runs every scenario (default: tests/scenarios) in batches
through the guest's runner, checks each trace against the reference model for
the kernel's profile, and prints TAP on stdout. Progress (boot stages, a live
done/total count) goes to stderr: one live line on a terminal, plain lines
when not a TTY or CI=true.
--traces DIR writes each scenario's observed trace to DIR/NAME.jsonl; --json and
--junit write machine-readable results (join shards with vfslab merge);
--report DIR writes an HTML report (index.html, one page per failing scenario
with its C reproducer and reproducer.sh), summary.md and metadata.json.
--shard K/N runs the K-th of N deterministic parts of the scenario set.
--matrix runs the set on one guest per combination of --pmem, --fs and --dax
(each a comma-separated list; all values by default: 18 guests).

exit: 0 all passed (skips allowed); 1 a divergence or a kernel oops; 2 bad
input or missing set-up (nothing runs); 3 infrastructure (boot, QEMU, SSH,
runner); 130/143 interrupted (--json and --junit are still written: the
finished results, the rest as not finished).

examples:
  vfslab run
  vfslab run tests/scenarios/lease --fs xfs
  vfslab run my.scenario --kernel ~/linux/arch/x86/boot/bzImage --profile stock
  vfslab run --shard 2/4 --json shard2.json --junit shard2.xml
  vfslab run --report report/ && xdg-open report/index.html
  vfslab run tests/scenarios/mmap --matrix --dax always,never`;

const flags = {
  kernel: { type: 'string' },
  profile: { type: 'string' },
  ...guestFlags,
  'settle-ms': { type: 'string' },
  batch: { type: 'string' },
  keep: { type: 'boolean' },
  traces: { type: 'string' },
  json: { type: 'string' },
  junit: { type: 'string' },
  report: { type: 'string' },
  shard: { type: 'string' },
  matrix: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

function positiveInt(flag: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  if (!/^[1-9]\d*$/.test(v)) throw new InputError(flag, `'${v}' is not a positive integer`, 'e.g. 50');
  return Number(v);
}

export async function runCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs('run', argv, flags, true);
  if (values.help) {
    console.log(runUsage);
    return 0;
  }
  const matrix = values.matrix ?? false;
  const configs = guestConfigs(values, matrix);
  const accel = oneOf('--accel', values.accel, ACCEL_REQUESTS, 'auto');
  // 200 ms: under load a quick step reported blocked reorders the trace; the cost is per blocked step only.
  const settleMs = positiveInt('--settle-ms', values['settle-ms']) ?? 200;
  const batchSize = positiveInt('--batch', values.batch);
  const kernel = values.kernel ?? 'stock';
  // Everything the user gave is checked before anything boots.
  const shard = parseShard(values.shard);
  const outputs = { json: values.json, junit: values.junit, report: values.report };
  checkOutputPaths(outputs);
  const files = collectScenarioFiles(positionals.length ? positionals : [path.join(repoRoot, 'tests/scenarios')]).filter((f) =>
    inShard(path.relative(repoRoot, path.resolve(f)), shard),
  );
  if (files.length === 0) throw new InputError('vfslab run', `no scenario files found${shard ? ` in shard ${values.shard}` : ''}`, 'files ending in .scenario, or directories holding them');
  const scenarios = loadScenarios(files);
  const profile = await resolveProfile(kernel, values.profile);
  const labels = files.map((f) => path.relative(process.cwd(), f));
  const log = progress();
  const tracesDir = values.traces;
  if (tracesDir) mkdirSync(tracesDir, { recursive: true });

  console.log('TAP version 14');
  const t = emptyTally();
  const live = ticker(scenarios.length * configs.length);
  const results: RunResults = { version: RESULTS_VERSION, metadata: [], scenarios: [] };
  const consoles: Record<string, string> = {};
  // Every record as it is known, in plan order: what an interrupted run writes.
  const records: (ScenarioRecord | undefined)[] = [];
  const planned = configs.flatMap((g) => labels.map((file, i) => ({ file, name: scenarios[i]!.name, ...(matrix ? { guest: whereOf(g) } : {}) })));
  const kernelEntry = (await readManifest()).kernels[kernel];
  let current: { g: GuestConfig; startedAt: Date } | undefined;
  const stopInterruptWriter = onCleanup(() => {
    const signal = processInterrupted();
    if (!signal || !(outputs.json || outputs.junit)) return;
    // Nothing to wait for in a signal handler: --report (a page and reproducer per unfinished scenario) is left out.
    const cut = { ...results, metadata: [...results.metadata], scenarios: withUnfinished(planned, records, `vfslab interrupted by ${signal}`) };
    if (current) cut.metadata.push(metadataOf(kernelEntry, { startedAt: current.startedAt, kernel, profile, guest: current.g, shard }));
    const finished = records.filter(Boolean).length;
    try {
      writeResults({ json: outputs.json, junit: outputs.junit }, cut, { scenarios: configs.flatMap(() => scenarios), profile, consoles });
      process.stderr.write(`vfslab: interrupted by ${signal}; ${finished} of ${planned.length} scenario results written to ${[outputs.json, outputs.junit].filter(Boolean).join(' and ')}, the rest as not finished\n`);
    } catch (e) {
      process.stderr.write(`vfslab: interrupted by ${signal}; ${(e as Error).message}\n`);
    }
  });
  let oopses = 0;
  let n = 0;
  for (const [gi, g] of configs.entries()) {
    const where = whereOf(g);
    const prefix = matrix ? `[${where}] ` : '';
    if (matrix) log(`run: guest ${where}`);
    const startedAt = new Date();
    current = { g, startedAt };
    const record = (r: ScenarioResult, i: number): ScenarioRecord => ({ file: labels[i]!, name: r.scenario.name, ...(matrix ? { guest: where } : {}), verdict: r.verdict, ms: r.ms, observations: r.observations });
    const base = n;
    const pending = new Map<number, string>();
    let next = 0;
    // Results arrive per batch; print in scenario order.
    const stages = bootStages(log);
    const outcome = await runScenarios({
      onStage: stages.onStage,
      onSpawn: stages.onSpawn,
      scenarios,
      kernel,
      profile,
      ...g,
      accel,
      settleMs,
      batchSize,
      keepOnFailure: values.keep ?? false,
      log,
      onResult: (r, i) => {
        records[gi * scenarios.length + i] = record(r, i);
        tally(t, r);
        if (tracesDir && r.observations.length) saveTrace(tracesDir, r, matrix ? where : undefined);
        pending.set(i, tapLine(r, base + i + 1, prefix + labels[i]!));
        live.clear();
        while (pending.has(next)) {
          console.log(pending.get(next));
          pending.delete(next++);
        }
        live.tick(prefix + labels[i]!, r.verdict.kind === 'diverged' || r.verdict.kind === 'infra');
      },
    }).finally(stages.end);
    // The signal's cleanup wrote the results; the process ends in a moment.
    if (processInterrupted()) break;
    n += scenarios.length;
    for (const o of outcome.oopses) {
      oopses++;
      console.log(`not ok ${++n} - ${prefix}kernel ${o.rule} on the console (line ${o.line})`);
      console.log(o.excerpt.split('\n').map((l) => `  # ${l}`).join('\n'));
      console.log(`  # console log: ${o.consoleLog}`);
    }
    results.metadata.push(metadataOf(kernelEntry, { startedAt, kernel, profile, guest: g, outcome, shard }));
    results.scenarios.push(...outcome.results.map(record));
    current = undefined;
    consoles[matrix ? where : ''] = outcome.guest?.consoleText ?? '';
    console.log(`# profile ${profile.name} ${profile.version}; guest ${where}; boot ${(outcome.bootMs / 1000).toFixed(2)} s`);
  }
  live.end();
  const signal = processInterrupted();
  if (signal) return signalExitStatus(signal);
  console.log(`1..${n}`);
  stopInterruptWriter();
  writeResults(outputs, results, { scenarios: configs.flatMap(() => scenarios), profile, consoles });
  if (outputs.report) log(`run: report in ${path.join(outputs.report, 'index.html')}`);
  console.log(`# ${tallyLine(t)}`);
  if (t.diverged > 0 || oopses > 0) return 1;
  if (t.infra > 0) return 3;
  return 0;
}

type GuestConfig = { pmem: PmemBackend; fs: FsType; dax: DaxMode };

const whereOf = (g: GuestConfig): string => `${g.pmem}/${g.fs}/dax=${g.dax}`;

/** One guest, or with --matrix every combination of the (comma-separated) values given, all by default. */
function guestConfigs(v: { pmem?: string; fs?: string; dax?: string }, matrix: boolean): GuestConfig[] {
  const list = <T extends string>(flag: string, value: string | undefined, valid: readonly T[], dflt: T): T[] => {
    if (!matrix) return [oneOf(flag, value, valid, dflt)];
    return value === undefined ? [...valid] : value.split(',').map((x) => oneOf(flag, x, valid, dflt));
  };
  const out: GuestConfig[] = [];
  for (const pmem of list('--pmem', v.pmem, PMEM_BACKENDS.filter((b) => b !== 'none'), 'nvdimm'))
    for (const fs of list('--fs', v.fs, FS_TYPES, 'ext4')) for (const dax of list('--dax', v.dax, DAX_MODES, 'always')) out.push({ pmem, fs, dax });
  return out;
}

function saveTrace(dir: string, r: ScenarioResult, guest?: string): void {
  const name = guest ? `${r.scenario.name}@${guest.replace(/[/=]/g, '-')}` : r.scenario.name;
  writeFileSync(path.join(dir, `${name}.jsonl`), r.observations.map((o) => JSON.stringify(o)).join('\n') + '\n');
}
