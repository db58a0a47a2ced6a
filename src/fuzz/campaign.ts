// The fuzz campaign without its I/O: generate batches of cases, have them
// run and checked (the Executor is the guest, injected by src/cli/fuzz.ts or
// a test), and for each new divergence reproduce it once, then shrink it in
// batched rounds to a minimal scenario. A divergence that does not reproduce
// is a flaky finding, reported like the others.

import type { Scenario } from '../scenario/ast.js';
import type { Observation } from '../trace/types.js';
import type { Verdict } from '../check/verdict.js';
import { generateCaseInfo, type FuzzArea } from './generate.js';
import type { GenEnv } from './gen-context.js';
import { candidates, encodeKept, FIRST, start, type Cursor, type Shrinkable } from './shrink.js';

export interface Checked {
  verdict: Verdict;
  observations: Observation[];
}

/** Runs scenarios (as one guest batch) and checks each trace. */
export interface Executor {
  run(scenarios: readonly Scenario[]): Promise<Checked[]>;
}

export interface ShrinkResult {
  minimal: Scenario;
  /** Original step ids the minimal scenario kept (the replay path). */
  kept: number[];
  verdict: Verdict;
  /** Guest runs spent shrinking (candidates), not counting the reproduction. */
  runs: number;
  rounds: number;
  ms: number;
}

export interface ShrinkOptions {
  /** Most candidates per guest batch. */
  batch: number;
  /** Most guest runs in all. */
  maxRuns: number;
  now?: () => number;
}

/** Still the same failure: a model divergence (a pinned expectation is not a generated one). */
export function stillDiverges(v: Verdict): boolean {
  return v.kind === 'diverged' && v.divergence.by === 'model';
}

export async function shrinkScenario(sc: Scenario, verdict: Verdict, exec: Executor, o: ShrinkOptions): Promise<ShrinkResult> {
  const now = o.now ?? (() => performance.now());
  const t0 = now();
  let cur: Shrinkable = start(sc);
  let best = verdict;
  let at: Cursor | null = FIRST;
  let runs = 0;
  let rounds = 0;
  while (at !== null && runs < o.maxRuns) {
    const { list, next } = candidates(cur, at, Math.min(o.batch, o.maxRuns - runs));
    if (list.length === 0) {
      at = next;
      continue;
    }
    const results = await exec.run(list.map((c) => c.scenario));
    runs += list.length;
    rounds++;
    let pick = -1;
    results.forEach((r, i) => {
      if (stillDiverges(r.verdict) && (pick < 0 || list[i]!.scenario.steps.length < list[pick]!.scenario.steps.length)) pick = i;
    });
    if (pick >= 0) {
      cur = list[pick]!;
      best = results[pick]!.verdict;
      at = FIRST;
    } else at = next;
  }
  return { minimal: cur.scenario, kept: cur.origin, verdict: best, runs, rounds, ms: now() - t0 };
}

export type FindingKind = 'divergence' | 'flaky' | 'model-crash';

export interface Finding {
  kind: FindingKind;
  area: FuzzArea;
  seed: number;
  index: number;
  /** Short key used to count repeats of one divergence (see signature()). */
  signature: string;
  original: Scenario;
  verdict: Verdict;
  shrink?: ShrinkResult;
  /** model-crash: the step and the stack. */
  crash?: { step: string; error: string };
  /** How many generated cases showed this signature. */
  seen: number;
}

export interface CampaignOptions {
  area: FuzzArea;
  seed: number;
  /** Stop after this many cases ... */
  count?: number;
  /** ... or after this many seconds (checked between batches). */
  timeS?: number;
  /** Cases per guest batch. */
  batch: number;
  env: GenEnv;
  shrink: ShrinkOptions;
  /** New divergences to shrink at most (later ones are only counted). */
  maxShrinks: number;
  log?: (line: string) => void;
  onFinding?: (f: Finding) => void;
  now?: () => number;
}

export interface Tally {
  pass: number;
  diverged: number;
  'not-modelled': number;
  'not-applicable': number;
  infra: number;
}

export interface CampaignResult {
  cases: number;
  tally: Tally;
  findings: Finding[];
  ms: number;
  /** Generated cases per second of guest batches (reproductions and shrinking not counted; the first batch includes the boot). */
  checkedPerSecond: number;
  infraReasons: string[];
  notModelled: string[];
}

/** Divergences that share the divergent step's op and what was seen count as one. */
export function signature(v: Verdict, sc: Scenario): string {
  if (v.kind !== 'diverged') return v.kind;
  const d = v.divergence;
  const op = d.step ? sc.steps[d.step.id]?.op.kind ?? '?' : 'end';
  // Names, numbers and fd lists vary between cases showing one behaviour.
  const seen = d.seen.replace(/\{[^}]*\}/g, '{..}').replace(/\[.*\]/g, '[..]').replace(/\d+/g, 'N');
  return `${op}: ${seen.slice(0, 120)}`;
}

export function replayPath(f: { seed: number; index: number; kept?: readonly number[] }): string {
  return `${f.seed >>> 0}:${f.index}${f.kept ? ':' + encodeKept(f.kept) : ''}`;
}

export async function runCampaign(exec: Executor, o: CampaignOptions): Promise<CampaignResult> {
  const now = o.now ?? (() => performance.now());
  const log = o.log ?? (() => {});
  const t0 = now();
  const tally: Tally = { pass: 0, diverged: 0, 'not-modelled': 0, 'not-applicable': 0, infra: 0 };
  const findings: Finding[] = [];
  const bySig = new Map<string, Finding>();
  const infraReasons: string[] = [];
  const notModelled: string[] = [];
  let index = 0;
  let checkMs = 0;
  let shrinks = 0;
  const more = (): boolean => (o.count !== undefined ? index < o.count : (now() - t0) / 1000 < (o.timeS ?? 60));
  while (more()) {
    const n = o.count !== undefined ? Math.min(o.batch, o.count - index) : o.batch;
    const cases = Array.from({ length: n }, (_, k) => ({ index: index + k, ...generateCaseInfo(o.area, o.seed, index + k, o.env) }));
    index += n;
    for (const c of cases) {
      if (c.crash) {
        const sig = `model crash: ${c.crash.error.split('\n')[0]}`;
        const known = bySig.get(sig);
        if (known) known.seen++;
        else {
          const f: Finding = { kind: 'model-crash', area: o.area, seed: o.seed, index: c.index, signature: sig, original: c.scenario, verdict: { kind: 'infra', scenario: c.scenario.name, reason: sig }, crash: c.crash, seen: 1 };
          bySig.set(sig, f);
          findings.push(f);
          o.onFinding?.(f);
        }
      }
    }
    const t1 = now();
    const results = await exec.run(cases.map((c) => c.scenario));
    checkMs += now() - t1;
    for (let k = 0; k < cases.length; k++) {
      const c = cases[k]!;
      const v = results[k]!.verdict;
      tally[v.kind]++;
      if (v.kind === 'infra') infraReasons.push(`${c.scenario.name}: ${v.reason}`);
      if (v.kind === 'not-modelled') notModelled.push(`${c.scenario.name}: step ${v.step.id} ${v.step.text}: ${v.reason}`);
      if (v.kind !== 'diverged') continue;
      const sig = signature(v, c.scenario);
      const known = bySig.get(sig);
      if (known) {
        known.seen++;
        continue;
      }
      const f: Finding = { kind: 'divergence', area: o.area, seed: o.seed, index: c.index, signature: sig, original: c.scenario, verdict: v, seen: 1 };
      bySig.set(sig, f);
      findings.push(f);
      if (shrinks < o.maxShrinks) {
        shrinks++;
        log(`fuzz: case ${c.index} diverged (${sig}); reproducing`);
        const again = (await exec.run([c.scenario]))[0]!;
        if (!stillDiverges(again.verdict)) {
          f.kind = 'flaky';
          log(`fuzz: case ${c.index} did not reproduce (${again.verdict.kind}): reported as flaky`);
        } else {
          f.shrink = await shrinkScenario(c.scenario, again.verdict, exec, o.shrink);
          log(`fuzz: case ${c.index} shrunk from ${c.scenario.steps.length} to ${f.shrink.minimal.steps.length} steps in ${f.shrink.runs} guest runs (${(f.shrink.ms / 1000).toFixed(1)} s)`);
        }
      }
      o.onFinding?.(f);
    }
    log(`fuzz: ${index} cases, ${tally.pass} pass, ${tally.diverged} diverged, ${tally['not-modelled']} not modelled, ${tally.infra} infra, ${(index / (checkMs / 1000)).toFixed(1)} checked/s`);
  }
  return { cases: index, tally, findings, ms: now() - t0, checkedPerSecond: index / (checkMs / 1000), infraReasons, notModelled };
}

/** Replay spec SEED:INDEX[:KEPT]; null when malformed. */
export function parseReplay(spec: string): { seed: number; index: number; kept: string | null } | null {
  const m = /^(\d+):(\d+)(?::([\d.-]*))?$/.exec(spec);
  if (!m) return null;
  const seed = Number(m[1]);
  if (seed > 0xffff_ffff) return null;
  return { seed, index: Number(m[2]), kept: m[3] ?? null };
}
