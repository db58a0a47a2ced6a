// What bisect-step, bisect-series and bisect share: the oracle (scenarios, the
// predicate, the profile, the guest, the flaky rule), one run of it on a
// bzImage, the N-run decision, and trace equality modulo times and pids.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { DAX_MODES, FS_TYPES, PMEM_BACKENDS, type DaxMode, type FsType, type PmemBackend } from '../../harness/qemu/args.js';
import { ACCEL_REQUESTS, type AccelRequest } from '../../harness/qemu/accel.js';
import { InputError, VfslabError } from '../../harness/errors.js';
import { scanConsole } from '../../harness/console/oops.js';
import { FLAVOURS, type Flavour } from '../../harness/kernel/build.js';
import { formatProgress, type BuildProgress } from '../../harness/kernel/progress.js';
import { classifyRun, decide, makeRule, type Decision, type FlakyRule, type PredicateKind, type RunResult, type RunSummary } from '../../harness/bisect/verdict.js';
import type { Scenario } from '../scenario/ast.js';
import { parseTrace } from '../trace/parse.js';
import type { Observation } from '../trace/types.js';
import type { Profile } from '../model/profile.js';
import { oneOf, guestFlags } from './options.js';
import { collectScenarioFiles, loadScenarios } from './scenario-files.js';
import { resolveProfile } from './profile.js';
import { runScenarios } from './run-scenarios.js';

export const oracleFlags = {
  predicate: { type: 'string' },
  expect: { type: 'string' },
  differs: { type: 'string' },
  profile: { type: 'string' },
  runs: { type: 'string' },
  'min-bad': { type: 'string' },
  'min-good': { type: 'string' },
  ...guestFlags,
  flavour: { type: 'string' },
} as const;

export const oracleUsage = `predicate (one of; default: the model's verdict on every scenario):
  --predicate verdict   bad when a scenario diverges from the model for --profile
  --predicate oops      bad when the console shows an oops/BUG/WARNING/panic (boot included)
  --expect PATH         bad when a trace differs from the recorded good one
  --differs PATH        bad when the trace equals the recorded bad one
                        (PATH: a .jsonl for one scenario, or a directory of
                        NAME.jsonl as written by \`vfslab run --traces DIR\`;
                        compared modulo times, pids and the batch index)
  --profile NAME|FILE   model profile (default stock); never guessed from the kernel
flaky predicates:
  --runs N              boot and run N times (default 1); bad needs --min-bad
                        failing runs (default min(N,2)), good needs no failing
                        run and --min-good passing ones (default ceil(N/2)),
                        anything else cannot decide (125)
guest and build:
  --pmem nvdimm|memmap|virtio  --fs ext4|xfs  --dax always|inode|never
  --accel auto|kvm|tcg  --flavour default|debug (debug: KASAN, lockdep)`;

type Values = { [K in keyof typeof oracleFlags]?: string };

export interface Oracle {
  predicate: PredicateKind;
  files: string[];
  scenarios: Scenario[];
  profile: Profile;
  /** --expect/--differs: the recorded trace of each scenario, by name. */
  recorded?: Map<string, Observation[]>;
  rule: FlakyRule;
  pmem: PmemBackend;
  fs: FsType;
  dax: DaxMode;
  accel: AccelRequest;
  flavour: Flavour;
  /** Identity of everything that decides an outcome besides the kernel: a memo key. */
  fingerprint: string;
}

function count(flag: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  if (!/^[1-9]\d*$/.test(v)) throw new InputError(flag, `'${v}' is not a positive integer`, 'e.g. 3');
  return Number(v);
}

/** Every flag and file checked before anything builds or boots. */
export async function parseOracle(values: Values, scenarioArgs: string[], command: string): Promise<Oracle> {
  if (scenarioArgs.length === 0) throw new InputError(`vfslab ${command}`, 'no scenario given', 'one or more .scenario files or directories');
  const chosen = [values.expect && '--expect', values.differs && '--differs', values.predicate && '--predicate'].filter(Boolean);
  if (chosen.length > 1) throw new InputError(chosen.join(' and '), 'choose one predicate', '--predicate verdict|oops, --expect PATH, or --differs PATH');
  const predicate: PredicateKind = values.expect ? 'expect' : values.differs ? 'differs' : oneOf('--predicate', values.predicate, ['verdict', 'oops'] as const, 'verdict');
  const files = collectScenarioFiles(scenarioArgs);
  if (files.length === 0) throw new InputError(`vfslab ${command}`, 'no scenario files found', 'files ending in .scenario');
  const scenarios = loadScenarios(files);
  const profile = await resolveProfile('stock', values.profile ?? 'stock');
  const runs = count('--runs', values.runs) ?? 1;
  const rule = makeRule(runs, count('--min-bad', values['min-bad']), count('--min-good', values['min-good']));
  const recordedArg = values.expect ?? values.differs;
  const recorded = recordedArg === undefined ? undefined : loadRecorded(predicate === 'expect' ? '--expect' : '--differs', recordedArg, scenarios);
  const o = {
    predicate,
    files,
    scenarios,
    profile,
    recorded,
    rule,
    pmem: oneOf('--pmem', values.pmem, PMEM_BACKENDS, 'nvdimm'),
    fs: oneOf('--fs', values.fs, FS_TYPES, 'ext4'),
    dax: oneOf('--dax', values.dax, DAX_MODES, 'always'),
    accel: oneOf('--accel', values.accel, ACCEL_REQUESTS, 'auto'),
    flavour: oneOf('--flavour', values.flavour, FLAVOURS, 'default'),
  };
  const h = createHash('sha256').update('vfslab-bisect-oracle 1\n');
  h.update(JSON.stringify({ predicate, profile, rule, pmem: o.pmem, fs: o.fs, dax: o.dax, flavour: o.flavour }));
  for (const f of files) h.update(`\n${readFileSync(f, 'utf8')}`);
  for (const [name, obs] of recorded ?? []) h.update(`\n${name} ${JSON.stringify(obs.map(normalizeObservation))}`);
  return { ...o, fingerprint: h.digest('hex') };
}

function loadRecorded(flag: string, p: string, scenarios: Scenario[]): Map<string, Observation[]> {
  if (!existsSync(p)) throw new InputError(flag, `${p}: no such file or directory`, 'a trace .jsonl (one scenario) or a directory of NAME.jsonl');
  const isDir = statSync(p).isDirectory();
  if (!isDir && scenarios.length !== 1) throw new InputError(flag, `${p} is one trace but ${scenarios.length} scenarios were given`, 'a directory of NAME.jsonl');
  const out = new Map<string, Observation[]>();
  for (const sc of scenarios) {
    const file = isDir ? path.join(p, `${sc.name}.jsonl`) : p;
    if (!existsSync(file)) throw new InputError(flag, `no recorded trace ${file} for scenario ${sc.name}`, '`vfslab run --traces DIR` records them');
    const parsed = parseTrace(readFileSync(file, 'utf8'));
    if (parsed.errors.length) throw new InputError(`${file}:${parsed.errors[0]!.line}`, `not a vfslab trace: ${parsed.errors[0]!.message}`);
    out.set(sc.name, parsed.observations);
  }
  return out;
}

// Differ from run to run on the same kernel: times, pids, the index in the batch, addresses.
const VOLATILE = new Set(['t', 'scenario', 'pid', 'pgid', 'sigPid', 'elapsedUs', 'addr']);

/** An observation without what may differ between two runs of one kernel; a fork's or F_GETOWN's pid `ret` becomes its process name. */
export function normalizeObservation(o: Observation): unknown {
  const strip = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(strip);
    if (v === null || typeof v !== 'object') return v;
    const rec = v as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(rec).sort()) {
      if (VOLATILE.has(k)) continue;
      if (k === 'ret' && rec['retProc'] !== undefined && rec['retProc'] !== null) continue;
      out[k] = strip(rec[k]);
    }
    return out;
  };
  return strip(o);
}

/** Undefined when equal; else where they first differ. */
export function traceDifference(seen: readonly Observation[], recorded: readonly Observation[]): string | undefined {
  const keep = (o: Observation): boolean => o.kind !== 'summary';
  const a = seen.filter(keep).map((o) => JSON.stringify(normalizeObservation(o)));
  const b = recorded.filter(keep).map((o) => JSON.stringify(normalizeObservation(o)));
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if (a[i] !== b[i]) return `observation ${i + 1}: seen ${a[i] ?? '(nothing)'}, recorded ${b[i] ?? '(nothing)'}`;
  }
  return undefined;
}

/** One boot of `bzImage` running every scenario, reduced to what predicates judge. */
export type RunOnce = (bzImage: string, profile: Profile, run: number) => Promise<RunSummary>;

export function realRunOnce(o: Oracle, log: (s: string) => void): RunOnce {
  return async (bzImage, profile) => {
    const s: RunSummary = { oopses: [], passed: 0, diverged: 0, infra: 0, notApplicable: 0 };
    let outcome;
    try {
      // noTemplate: a bisected kernel boots once or --runs times; a pmem template would cost a boot and an image per kernel.
      outcome = await runScenarios({ scenarios: o.scenarios, kernel: bzImage, profile, pmem: o.pmem, fs: o.fs, dax: o.dax, accel: o.accel, noTemplate: true, log });
    } catch (e) {
      if (!(e instanceof VfslabError) || e.kind === 'input' || e.kind === 'qemu-missing' || e.kind === 'kernel-missing') throw e;
      s.bootFailure = e.message.split('\n')[0] ?? e.message;
      const tail = 'consoleTail' in e && typeof e.consoleTail === 'string' ? e.consoleTail : '';
      s.oopses = scanConsole(tail).map((f) => `${f.rule}: ${f.text}`);
      return s;
    }
    s.oopses = outcome.oopses.map((f) => `${f.rule} (console line ${f.line}): ${f.text}`);
    s.traceEqual = 0;
    s.traceDiffers = [];
    for (const r of outcome.results) {
      const k = r.verdict.kind;
      if (k === 'pass') s.passed++;
      else if (k === 'diverged') s.diverged++;
      else if (k === 'infra') s.infra++;
      else s.notApplicable++;
      const rec = o.recorded?.get(r.scenario.name);
      if (rec && (k === 'pass' || k === 'diverged' || k === 'not-modelled')) {
        const d = traceDifference(r.observations, rec);
        if (d) s.traceDiffers.push(`${r.scenario.name}: ${d}`);
        else s.traceEqual++;
      }
      if (k === 'diverged') log(`bisect: ${r.scenario.name}: diverged at observation ${r.verdict.divergence.index + 1}: seen ${r.verdict.divergence.seen}`);
      if (k === 'infra') log(`bisect: ${r.scenario.name}: could not run: ${r.verdict.reason}`);
    }
    return s;
  };
}

/** Runs the oracle until the flaky rule decides; each run's result is logged. */
export async function judge(o: Pick<Oracle, 'predicate' | 'rule'>, runOnce: RunOnce, bzImage: string, profile: Profile, log: (s: string) => void): Promise<Decision> {
  const results: RunResult[] = [];
  for (let i = 1; ; i++) {
    const r = classifyRun(o.predicate, await runOnce(bzImage, profile, i));
    results.push(r);
    log(`bisect: run ${i}/${o.rule.runs}: ${r.result} (${r.why})`);
    const d = decide(results, o.rule);
    if (d) return d;
  }
}

/** A build progress line every 20 s (bisect output is mostly read in logs). */
export function buildProgressLog(log: (s: string) => void): (p: BuildProgress) => void {
  let last = 0;
  return (p) => {
    if (p.elapsedMs - last >= 20_000) {
      last = p.elapsedMs;
      log(formatProgress(p));
    }
  };
}
