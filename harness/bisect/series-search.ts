// Binary search over the prefixes of a patch series: prefix k is the base
// tree plus the first k patches. The first patch that changes the verdict is
// the smallest k whose outcome differs from prefix 0's. Pure: the caller
// supplies `test(k)` (build, boot, decide) and the search only orders calls.
import type { Outcome } from './verdict.js';

export interface PrefixTest {
  outcome: Outcome;
  /** True when the kernel was compiled for this test (not a cache hit or an identical kernel). */
  built: boolean;
}

export interface SeriesSearchResult {
  /** 1-based index of the first patch that changes the verdict; null when none does. */
  first: number | null;
  /** When skips hide the answer: the first changing patch is in (lo, hi]. */
  range?: [number, number];
  baseOutcome: Outcome;
  /** Outcome of every prefix tested, in test order. */
  tested: { k: number; outcome: Outcome; built: boolean }[];
  builds: number;
  /** Why the search stopped without an answer (base untestable...). */
  problem?: string;
}

/**
 * Tests prefix 0, then bisects (lo, hi] with hi = n assumed to differ from
 * the base; prefix n is tested only when the search ends on it (the last
 * patch, or no patch, changes the verdict). So a search takes at most
 * ceil(log2 n) + 1 tests when the answer is not the last patch, and one more
 * when it is the last patch or none is. An untestable prefix (skip) is stepped
 * around, nearest the midpoint first, as git bisect does.
 */
export async function searchSeries(n: number, test: (k: number) => Promise<PrefixTest>): Promise<SeriesSearchResult> {
  const tested: SeriesSearchResult['tested'] = [];
  const results = new Map<number, Outcome>();
  const run = async (k: number): Promise<Outcome> => {
    const r = await test(k);
    tested.push({ k, outcome: r.outcome, built: r.built });
    results.set(k, r.outcome);
    return r.outcome;
  };
  const builds = (): number => tested.filter((t) => t.built).length;
  const base = await run(0);
  if (base === 'skip') return { first: null, baseOutcome: base, tested, builds: builds(), problem: 'the base tree (prefix 0) cannot be tested' };
  if (n === 0) return { first: null, baseOutcome: base, tested, builds: builds() };
  let lo = 0;
  let hi = n;
  for (;;) {
    const mid = pickPoint(lo, hi, results);
    if (mid === undefined) break;
    const o = await run(mid);
    if (o === 'skip') continue;
    if (o === base) lo = mid;
    else hi = mid;
  }
  if (hi === n && !results.has(n)) {
    // Every prefix below n matched the base: only prefix n can tell "patch n" from "none".
    await run(n);
  }
  const top = results.get(hi);
  if (hi === n && top === base) return { first: null, baseOutcome: base, tested, builds: builds() };
  if (hi - lo === 1 && top !== undefined && top !== 'skip') return { first: hi, baseOutcome: base, tested, builds: builds() };
  return {
    first: null,
    range: [lo, hi],
    baseOutcome: base,
    tested,
    builds: builds(),
    problem: `prefix(es) ${[...results].filter(([k, o]) => k > lo && k <= hi && o === 'skip').map(([k]) => k).sort((a, b) => a - b).join(', ')} could not be tested; the first changing patch is one of ${lo + 1}..${hi}`,
  };
}

/** The untested prefix strictly inside (lo, hi) nearest its midpoint, or undefined. */
export function pickPoint(lo: number, hi: number, results: ReadonlyMap<number, Outcome>): number | undefined {
  const mid = Math.floor((lo + hi) / 2);
  for (let d = 0; mid - d > lo || mid + d < hi; d++) {
    for (const k of [mid - d, mid + d]) {
      if (k > lo && k < hi && !results.has(k)) return k;
    }
  }
  return undefined;
}
