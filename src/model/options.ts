// Knobs of the model that are not kernel facts: timing tolerances of the
// checker's clock, and test hooks that switch a rule off on purpose.

export interface ModelOptions {
  /**
   * A lease-break deadline counts as "may have passed" from deadline - slack
   * and "has passed" from deadline + slack (model clock = lower bound of
   * elapsed time).
   */
  expirySlackMs: number;
  /** The runner's settle time before it reports a step blocked (from the trace when known). */
  settleMs: number;
  /** Deliberately wrong rules, for tests that prove the checker catches them. */
  rules: { ignoreCloexec?: boolean };
}

export const DEFAULT_OPTIONS: ModelOptions = { expirySlackMs: 500, settleMs: 0, rules: {} };

export function withOptions(o?: Partial<ModelOptions>): ModelOptions {
  return { ...DEFAULT_OPTIONS, ...o, rules: { ...DEFAULT_OPTIONS.rules, ...o?.rules } };
}
