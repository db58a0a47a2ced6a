// A scenario's own duration, from the runner's monotonic clock (µs) on its
// scenario-start and scenario-end lines; the batch's average when the trace is
// cut short. Host-side timing cannot split a batch that runs in one exec.
import type { Observation } from '../trace/types.js';

export function scenarioMs(observations: readonly Observation[], fallbackMs: number): number {
  const start = observations.find((o) => o.kind === 'scenario-start');
  const end = [...observations].reverse().find((o) => o.kind === 'scenario-end');
  if (!start || !end || end.t < start.t) return fallbackMs;
  return Math.round((end.t - start.t) / 100) / 10;
}
