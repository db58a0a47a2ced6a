// The result records of a run cut short by a signal: every scenario the run
// was to check gets a record, the finished ones as they are and the rest an
// infrastructure verdict saying they did not finish, so that --json and
// --junit still hold the whole plan (and `vfslab merge` reads them as usual).
import type { ScenarioRecord } from '../report/types.js';

export interface PlannedRecord {
  file: string;
  name: string;
  guest?: string;
}

export function withUnfinished(planned: readonly PlannedRecord[], finished: readonly (ScenarioRecord | undefined)[], why: string): ScenarioRecord[] {
  return planned.map(
    (p, i) =>
      finished[i] ?? {
        ...p,
        verdict: { kind: 'infra', scenario: p.name, reason: `not finished: ${why}` },
        ms: 0,
        observations: [],
      },
  );
}
