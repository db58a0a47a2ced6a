// vfslab fuzz: generated scenarios on one warm guest, checked against the
// model; each new divergence reproduced, shrunk and written out as a
// scenario, a C reproducer and a JSON record with its replay path.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { DAX_MODES, FS_TYPES, PMEM_BACKENDS } from '../../harness/qemu/args.js';
import { ACCEL_REQUESTS } from '../../harness/qemu/accel.js';
import { InputError } from '../../harness/errors.js';
import { oneOf, parseCommandArgs, guestFlags } from './options.js';
import { resolveProfile } from './profile.js';
import { FuzzSession } from './fuzz-session.js';
import { FUZZ_AREAS, generateCaseInfo, type FuzzArea } from '../fuzz/generate.js';
import { runCampaign, parseReplay, type Finding } from '../fuzz/campaign.js';
import { decodeKept, restrictIds } from '../fuzz/shrink.js';
import { findingRecord, findingScenario, findingScenarioText, replayCommand, type GuestArgs } from '../fuzz/report.js';
import { generateRepro } from '../repro/generate.js';
import { formatVerdict } from '../check/format.js';
import { printScenario } from '../scenario/print.js';
import { progress } from './progress.js';
import type { ModelOptions } from '../model/options.js';

export const fuzzUsage = `usage: vfslab fuzz [--area fd|lease|fanotify|mmap|all] [--seed N] [--count N | --time S]
                   [--out DIR] [--batch N] [--settle-ms N] [--max-shrinks N]
                   [--shrink-batch N] [--shrink-runs N] [--replay SEED:INDEX[:KEPT]]
                   [--kernel stock|NAME|PATH] [--profile NAME|FILE]
                   [--pmem nvdimm|memmap|virtio] [--fs ext4|xfs] [--dax always|inode|never]
                   [--accel auto|kvm|tcg] [--plant RULE]

Generates valid scenarios (fast-check; case I of seed N is always the same
scenario), runs them in batches on one warm guest and checks each against
the reference model. A new divergence is re-run once (one that does not
reproduce is reported as flaky), then shrunk by step deletion, each round of
candidates one guest batch, and written to DIR (default fuzz-out/) as
NAME.scenario (minimal), NAME.c (standalone C reproducer) and NAME.json
(seed, replay path, sizes, verdict); the command that regenerates it is
printed. --replay SEED:INDEX[:KEPT] runs one case (KEPT: the original step ids
a shrunk case kept, e.g. 0-2.5.9). Default: --count 200, area all, a random
seed (printed). --plant RULE switches on a deliberately wrong model rule
(${'ignoreCloexec'}), to show the fuzzer catching and shrinking it.
Exit 0 no divergence, 1 a divergence (also flaky, a model crash or a kernel
oops), 2 bad input, 3 infrastructure (no case could be checked).

examples:
  vfslab fuzz --area lease --seed 1 --count 500
  vfslab fuzz --time 600 --seed 42                 # a long run: 10 minutes
  vfslab fuzz --area fd --replay 42:17:0-4.9`;

const flags = {
  area: { type: 'string' },
  seed: { type: 'string' },
  count: { type: 'string' },
  time: { type: 'string' },
  out: { type: 'string' },
  batch: { type: 'string' },
  'settle-ms': { type: 'string' },
  'max-shrinks': { type: 'string' },
  'shrink-batch': { type: 'string' },
  'shrink-runs': { type: 'string' },
  replay: { type: 'string' },
  kernel: { type: 'string' },
  profile: { type: 'string' },
  plant: { type: 'string' },
  ...guestFlags,
  help: { type: 'boolean', short: 'h' },
} as const;

const PLANTS = ['ignoreCloexec'] as const;

function count(flag: string, v: string | undefined, dflt: number, min = 1): number {
  if (v === undefined) return dflt;
  if (!/^\d+$/.test(v) || Number(v) < min) throw new InputError(flag, `'${v}' is not an integer >= ${min}`, 'e.g. 50');
  return Number(v);
}

export async function fuzzCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs('fuzz', argv, flags, true);
  if (values.help) {
    console.log(fuzzUsage);
    return 0;
  }
  if (positionals.length) throw new InputError('vfslab fuzz', `takes no positional arguments (got '${positionals[0]}')`, Object.keys(flags).map((k) => `--${k}`).join(' '));
  const area = oneOf('--area', values.area, FUZZ_AREAS, 'all') as FuzzArea;
  if (values.count !== undefined && values.time !== undefined) throw new InputError('--count', 'give --count or --time, not both', '--count N | --time S');
  const seed = values.seed === undefined ? (Math.random() * 0x1_0000_0000) >>> 0 : count('--seed', values.seed, 0, 0);
  if (seed > 0xffff_ffff) throw new InputError('--seed', `'${values.seed}' is above 2^32-1`, '0..4294967295');
  const total = values.time === undefined ? count('--count', values.count, 200) : undefined;
  const timeS = values.time === undefined ? undefined : count('--time', values.time, 60);
  const batch = count('--batch', values.batch, 100);
  // 200 ms as vfslab run: under load a fork slower than the settle time is reported blocked,
  // and the child's next step then finds no child (docs/divergences.md 8).
  const settleMs = count('--settle-ms', values['settle-ms'], 200);
  const maxShrinks = count('--max-shrinks', values['max-shrinks'], 5, 0);
  const shrinkBatch = count('--shrink-batch', values['shrink-batch'], 24);
  const shrinkRuns = count('--shrink-runs', values['shrink-runs'], 99);
  const plant = values.plant === undefined ? undefined : oneOf('--plant', values.plant, PLANTS, 'ignoreCloexec');
  const replay = values.replay === undefined ? undefined : parseReplay(values.replay);
  if (values.replay !== undefined && !replay) throw new InputError('--replay', `'${values.replay}' is not SEED:INDEX[:KEPT]`, 'e.g. 42:17 or 42:17:0-4.9');
  const kept = replay?.kept ? decodeKept(replay.kept) : null;
  if (replay?.kept && !kept) throw new InputError('--replay', `bad step list '${replay.kept}'`, 'ids and ranges joined by dots, e.g. 0-4.9');
  const pmem = oneOf('--pmem', values.pmem, PMEM_BACKENDS.filter((b) => b !== 'none'), 'nvdimm');
  const fs = oneOf('--fs', values.fs, FS_TYPES, 'ext4');
  const dax = oneOf('--dax', values.dax, DAX_MODES, 'always');
  const accel = oneOf('--accel', values.accel, ACCEL_REQUESTS, 'auto');
  const out = values.out ?? 'fuzz-out';
  const kernel = values.kernel ?? 'stock';
  const profile = await resolveProfile(kernel, values.profile);
  const model: Partial<ModelOptions> | undefined = plant ? { rules: { [plant]: true } } : undefined;
  const guestArgs: GuestArgs = { kernel, pmem, fs, dax, ...(plant ? { plant } : {}) };
  const env = { profile, guest: { pmem, fs, dax }, ...(model ? { model } : {}) };
  const log = progress();
  const session = new FuzzSession({ kernel, profile, pmem, fs, dax, accel, settleMs, model, log });

  try {
    if (replay) {
      const gen = generateCaseInfo(area, replay.seed, replay.index, env);
      const sc = kept ? restrictIds(gen.scenario, new Set(kept)).scenario : gen.scenario;
      process.stdout.write(printScenario(sc));
      const [r] = await session.run([sc]);
      console.log(formatVerdict(r!.verdict));
      if (session.oopses().length) return 1;
      return r!.verdict.kind === 'diverged' ? 1 : r!.verdict.kind === 'infra' ? 3 : 0;
    }
    console.log(`# vfslab fuzz: area ${area}, seed ${seed}, ${total !== undefined ? `${total} cases` : `${timeS} s`}, guest ${pmem}/${fs}/dax=${dax}${plant ? `, planted rule ${plant}` : ''}`);
    const written: string[] = [];
    const result = await runCampaign(session, {
      area, seed, count: total, timeS, batch, env, maxShrinks,
      shrink: { batch: shrinkBatch, maxRuns: shrinkRuns },
      log,
      onFinding: (f) => written.push(writeFinding(out, f, guestArgs, settleMs)),
    });
    const t = result.tally;
    console.log(`# ${result.cases} cases in ${(result.ms / 1000).toFixed(1)} s (${result.checkedPerSecond.toFixed(1)} checked/s in the guest): ${t.pass} pass, ${t.diverged} diverged, ${t['not-modelled']} not modelled, ${t.infra} infra; ${session.guestRuns} guest runs in all`);
    for (const r of result.infraReasons.slice(0, 5)) console.log(`# infra: ${r}`);
    for (const r of result.notModelled.slice(0, 5)) console.log(`# not modelled: ${r}`);
    result.findings.forEach((f, i) => {
      console.log(`# finding ${i + 1}: ${f.kind} (${f.seen} case(s)): ${f.signature}`);
      console.log(`#   ${findingScenario(f).steps.length} steps, written to ${written[i]}.{scenario,c,json}`);
      console.log(`#   regenerate: ${replayCommand(f, guestArgs)}`);
    });
    const oopses = session.oopses();
    for (const o of oopses) console.log(`# kernel ${o.rule} on the console (line ${o.line})\n${o.excerpt}`);
    if (result.findings.length || oopses.length) return 1;
    if (t.pass === 0 && t.infra > 0) return 3;
    return 0;
  } finally {
    await session.close();
  }
}

/** Writes NAME.scenario, NAME.c and NAME.json into dir, never over an existing file; returns DIR/NAME. */
function writeFinding(dir: string, f: Finding, g: GuestArgs, settleMs: number): string {
  mkdirSync(dir, { recursive: true });
  const base = `${f.original.name}${f.kind === 'divergence' ? '' : '-' + f.kind}`;
  let name = base;
  for (let n = 2; ['scenario', 'c', 'json'].some((x) => existsSync(path.join(dir, `${name}.${x}`))); n++) name = `${base}-${n}`;
  const stem = path.join(dir, name);
  writeFileSync(`${stem}.scenario`, findingScenarioText(f, g));
  writeFileSync(`${stem}.c`, generateRepro(findingScenario(f), { settleMs }));
  writeFileSync(`${stem}.json`, JSON.stringify(findingRecord(f, g), null, 2) + '\n');
  return stem;
}
