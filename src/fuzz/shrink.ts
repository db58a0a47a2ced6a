// Shrinking a diverging scenario by step deletion (delta debugging, batched).
// A candidate removes a chunk of steps; steps that no longer validate (a
// name or process whose binding step went) are removed with it, so every
// candidate is a valid scenario. Each round offers a batch of candidates at
// several granularities; the caller runs them in one guest batch and keeps the
// smallest that still diverges. Pure: the guest runs are the caller's.

import type { Scenario } from '../scenario/ast.js';
import { validateScenario } from '../scenario/validate.js';

/**
 * The scenario restricted to the steps whose ids (in `sc`) are in `keep`,
 * pruned to validity; `kept` are the ids (in `sc`) of the steps it has.
 */
export function restrictIds(sc: Scenario, keep: ReadonlySet<number>): { scenario: Scenario; kept: number[] } {
  let steps = sc.steps.filter((s) => keep.has(s.id));
  for (;;) {
    // Line numbers stand for positions so the validator's errors name the steps to drop.
    const trial: Scenario = { ...sc, processes: sc.processes.slice(0, 1), steps: steps.map((s, i) => ({ ...s, line: i + 1 })) };
    const bad = new Set(validateScenario(trial).map((e) => e.line - 1));
    if (bad.size === 0) break;
    steps = steps.filter((_, i) => !bad.has(i));
  }
  const out: Scenario = { ...structuredClone(sc), processes: sc.processes.slice(0, 1).map((p) => ({ ...p })), steps: [] };
  out.steps = steps.map((s, i) => ({ ...structuredClone(s), id: i, line: 0 }));
  validateScenario(out); // fills processes with the forks that remain
  return { scenario: out, kept: steps.map((s) => s.id) };
}

export function restrict(sc: Scenario, keep: ReadonlySet<number>): Scenario {
  return restrictIds(sc, keep).scenario;
}

/** A scenario being shrunk, with the original id of each of its steps. */
export interface Shrinkable {
  scenario: Scenario;
  /** origin[i]: id in the original scenario of step i. */
  origin: number[];
}

export function start(sc: Scenario): Shrinkable {
  return { scenario: sc, origin: sc.steps.map((s) => s.id) };
}

function without(cur: Shrinkable, drop: ReadonlySet<number>): Shrinkable {
  const keep = new Set(cur.scenario.steps.map((s) => s.id).filter((id) => !drop.has(id)));
  const r = restrictIds(cur.scenario, keep);
  return { scenario: r.scenario, origin: r.kept.map((id) => cur.origin[id]!) };
}

/** Where the candidate stream stands: `k` chunks, next chunk starting at step `i`. */
export interface Cursor {
  k: number;
  i: number;
}

export const FIRST: Cursor = { k: 2, i: 0 };

/**
 * Candidates for one round, from `at` on: removing each of k chunks, then of
 * 2k, 4k ... chunks, down to single steps, largest removals first, at most
 * `max`, duplicates dropped. `next` is where to go on when none of them
 * shrinks; null when every single-step removal was offered (the scenario is
 * 1-minimal once they all fail). After a success, start again from FIRST.
 */
export function candidates(cur: Shrinkable, at: Cursor, max: number): { list: Shrinkable[]; next: Cursor | null } {
  const n = cur.scenario.steps.length;
  const list: Shrinkable[] = [];
  const seen = new Set<string>();
  let { k, i } = at;
  for (;;) {
    const size = Math.max(1, Math.ceil(n / k));
    for (; i < n; i += size) {
      if (list.length >= max) return { list, next: { k, i } };
      const drop = new Set<number>();
      for (let j = i; j < Math.min(n, i + size); j++) drop.add(j);
      const c = without(cur, drop);
      const key = c.origin.join(',');
      if (c.scenario.steps.length < n && !seen.has(key)) {
        seen.add(key);
        list.push(c);
      }
    }
    if (size === 1) return { list, next: null };
    k *= 2;
    i = 0;
  }
}

/** Kept original step ids as a replay path: "0-2.5.9". */
export function encodeKept(ids: readonly number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < ids.length; ) {
    let j = i;
    while (j + 1 < ids.length && ids[j + 1] === ids[j]! + 1) j++;
    parts.push(j > i ? `${ids[i]}-${ids[j]}` : `${ids[i]}`);
    i = j + 1;
  }
  return parts.join('.');
}

export function decodeKept(path: string): number[] | null {
  if (path === '') return [];
  const out: number[] = [];
  for (const part of path.split('.')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (!m) return null;
    const a = Number(m[1]), b = m[2] === undefined ? a : Number(m[2]);
    if (b < a) return null;
    for (let x = a; x <= b; x++) out.push(x);
  }
  return out;
}
