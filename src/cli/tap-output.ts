// TAP 14 lines for scenario verdicts: a pass is `ok`, not-applicable and
// not-modelled are `ok ... # SKIP` (never counted as passes), a divergence or
// an infrastructure error is `not ok` with the checker's report as a comment.
import { formatVerdict } from '../check/index.js';
import type { ScenarioResult } from './run-scenarios.js';

export interface Tally {
  passed: number;
  diverged: number;
  notApplicable: number;
  notModelled: number;
  infra: number;
}

export const emptyTally = (): Tally => ({ passed: 0, diverged: 0, notApplicable: 0, notModelled: 0, infra: 0 });

export function tapLine(r: ScenarioResult, n: number, label: string): string {
  const v = r.verdict;
  const time = ` # time=${r.ms.toFixed(0)}ms`;
  switch (v.kind) {
    case 'pass':
      return `ok ${n} - ${label}${time}`;
    case 'not-applicable':
      return `ok ${n} - ${label} # SKIP not applicable: ${v.reason}`;
    case 'not-modelled':
      return `ok ${n} - ${label} # SKIP not modelled: ${v.reason}`;
    default:
      return `not ok ${n} - ${label}${time}\n${formatVerdict(v)
        .split('\n')
        .map((l) => `  # ${l}`)
        .join('\n')}`;
  }
}

export function tally(t: Tally, r: Pick<ScenarioResult, 'verdict'>): void {
  const k = r.verdict.kind;
  if (k === 'pass') t.passed++;
  else if (k === 'diverged') t.diverged++;
  else if (k === 'not-applicable') t.notApplicable++;
  else if (k === 'not-modelled') t.notModelled++;
  else t.infra++;
}

export const tallyLine = (t: Tally): string =>
  `${t.passed} passed, ${t.diverged + t.infra} failed (diverged ${t.diverged}, infra ${t.infra}), ${t.notApplicable + t.notModelled} skipped (not applicable ${t.notApplicable}, not modelled ${t.notModelled})`;
