// Generated scenarios. fast-check draws an Intent (a header word and one
// 32-bit word per step attempt); materialize() turns it into a valid scenario
// by running the area's moves with the model alongside (gen-context.ts), so
// a scenario is valid by construction and every step is one the model covers.
// Case `index` of campaign `seed` is the intent fast-check samples with seed
// mix32(seed, index): the pair (seed, index) regenerates it exactly.

import fc from 'fast-check';
import type { Scenario } from '../scenario/ast.js';
import { opText } from '../scenario/print.js';
import { GenContext, type GenEnv } from './gen-context.js';
import { attempt, DIR, DIR_FILE, O_CREAT, O_RDWR, O_WRONLY, type MoveTable } from './moves.js';
import { FD_MOVES } from './moves-fd.js';
import { LEASE_MOVES } from './moves-lease.js';
import { FANOTIFY_MOVES } from './moves-fanotify.js';
import { MMAP_MOVES } from './moves-mmap.js';
import { mix32, Rng } from './rng.js';

export const FUZZ_AREAS = ['fd', 'lease', 'fanotify', 'mmap', 'all'] as const;
export type FuzzArea = (typeof FUZZ_AREAS)[number];

export interface Intent {
  header: number;
  words: number[];
}

/** Step attempts per scenario (a move may add a few steps); the prelude adds 3 or 6 before them. */
export const MAX_WORDS = 8;

export const intentArb: fc.Arbitrary<Intent> = fc.record({
  header: fc.nat({ max: 0xffff_ffff }),
  words: fc.array(fc.nat({ max: 0xffff_ffff }), { minLength: 2, maxLength: MAX_WORDS }),
});

/**
 * The cross-area table: every area's moves, so one scenario can mix a lease
 * with a fanotify listener, a mapping and fd games across processes.
 */
const ALL_MOVES: MoveTable = [
  ...LEASE_MOVES.map(([w, m]) => [w * 0.4, m] as const),
  ...FANOTIFY_MOVES.map(([w, m]) => [w * 0.35, m] as const),
  ...MMAP_MOVES.map(([w, m]) => [w * 0.25, m] as const),
];

const TABLES: Record<FuzzArea, MoveTable> = { fd: FD_MOVES, lease: LEASE_MOVES, fanotify: FANOTIFY_MOVES, mmap: MMAP_MOVES, all: ALL_MOVES };

export function caseSeed(seed: number, index: number): number {
  return mix32(seed, index);
}

export function caseIntent(seed: number, index: number): Intent {
  return fc.sample(intentArb, { seed: caseSeed(seed, index) | 0, numRuns: 1 })[0]!;
}

export function caseName(area: FuzzArea, seed: number, index: number): string {
  return `fuzz-${area}-${seed >>> 0}-${index}`;
}

/**
 * The files every scenario starts with: "a" (two pages of it for mappings)
 * and, for directory marks and openat, "d/c". Kept short: every step costs
 * guest time, and "b" is left to the generated opens (O_CREAT or ENOENT).
 */
function prelude(g: GenContext, area: FuzzArea, r: Rng): void {
  const wa = g.fresh('w');
  g.push('A', { kind: 'open', result: wa, dir: { kind: 'cwd' }, path: 'a', flags: O_RDWR | O_CREAT, mode: 0o644, at: false });
  const bytes = area === 'mmap' || (area === 'all' && r.chance(0.3)) ? { kind: 'fill' as const, byte: 0x61, count: 8192 } : { kind: 'text' as const, text: 'hello' };
  g.push('A', { kind: 'write', fd: { kind: 'name', name: wa }, data: bytes });
  g.push('A', { kind: 'close', fd: { kind: 'name', name: wa } });
  if (((area === 'fanotify' || area === 'all') && r.chance(0.4)) || r.chance(0.1)) {
    g.push('A', { kind: 'mkdir', path: DIR, mode: 0o755 });
    const wc = g.fresh('w');
    g.push('A', { kind: 'open', result: wc, dir: { kind: 'cwd' }, path: DIR_FILE, flags: O_WRONLY | O_CREAT, mode: 0o644, at: false });
    g.push('A', { kind: 'close', fd: { kind: 'name', name: wc } });
  }
}

/**
 * Every signal the model says is due is waited for before the end, as the
 * curated scenarios do: at teardown the runner may stop listening before a
 * late signal's record arrives, so an unwaited signal makes a flaky trace.
 */
function waitForDueSignals(g: GenContext): void {
  for (const p of g.actors()) {
    for (let i = 0; i < 3 && g.model.signalDue(p, null); i++) {
      if (!g.add(p, { kind: 'wait_signal', signo: null, timeoutMs: 2000 })) break;
    }
  }
}

/** The sysctls a scenario starts with: a short lease-break-time where leases are involved. */
function sysctls(area: FuzzArea, r: Rng): { name: string; value: number }[] {
  // A tiny fanotify queue (sampled at fanotify_init): overflow events.
  const fan = (area === 'fanotify' || area === 'all') && r.chance(0.1) ? [{ name: 'fs.fanotify.max_queued_events', value: r.pick([1, 2, 3]) }] : [];
  if (area !== 'lease' && area !== 'all') return fan;
  // 1 s (rarely: an expiry costs a second of guest time): breaks may time out (expiryMove); 5 s: within a generated scenario only the holder ends a break.
  return [{ name: 'fs.lease-break-time', value: r.chance(0.05) ? 1 : 5 }, ...fan];
}

/** The scenario, and the first step the model crashed on while generating it (a model bug), if any. */
export interface Generated {
  scenario: Scenario;
  crash?: { step: string; error: string };
}

export function materializeInfo(intent: Intent, area: FuzzArea, name: string, env: GenEnv): Generated {
  const r = new Rng(intent.header);
  const g = new GenContext(name, sysctls(area, r), env);
  prelude(g, area, r);
  const table = TABLES[area];
  for (const w of intent.words) attempt(g, new Rng(w), table);
  waitForDueSignals(g);
  const sc = g.scenario();
  sc.description = `generated by vfslab fuzz (area ${area})`;
  const c = g.model.crash;
  return c ? { scenario: sc, crash: { step: `${c.step.proc}: ${opText(c.step.op)}`, error: c.error } } : { scenario: sc };
}

export function materialize(intent: Intent, area: FuzzArea, name: string, env: GenEnv): Scenario {
  return materializeInfo(intent, area, name, env).scenario;
}

/** Case `index` of the campaign `seed` in `area`. */
export function generateCase(area: FuzzArea, seed: number, index: number, env: GenEnv): Scenario {
  return generateCaseInfo(area, seed, index, env).scenario;
}

export function generateCaseInfo(area: FuzzArea, seed: number, index: number, env: GenEnv): Generated {
  return materializeInfo(caseIntent(seed, index), area, caseName(area, seed, index), env);
}
