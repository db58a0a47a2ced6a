// Verdict of checking one scenario's trace against the model.

export interface Divergence {
  /** Index of the observation in the scenario's observation list. */
  index: number;
  /** The step concerned, when the observation belongs to one. */
  step: { id: number; line: number; text: string } | null;
  seen: string;
  /** What the model (or the pinned expectation) allowed at that point. */
  allowed: string[];
  /** Kernel rules the model applied on the way to the allowed outcomes. */
  rules: string[];
  /** Model state before the observation (one candidate state). */
  state: string[];
  /** 'model', or 'expectation' when a hand-pinned `expect` disagreed. */
  by: 'model' | 'expectation';
}

export type Verdict =
  | { kind: 'pass'; scenario: string; observations: number; states: number }
  | { kind: 'diverged'; scenario: string; divergence: Divergence }
  | { kind: 'not-applicable'; scenario: string; reason: string }
  | { kind: 'not-modelled'; scenario: string; step: { id: number; line: number; text: string }; reason: string }
  | { kind: 'infra'; scenario: string; reason: string };

export type VerdictKind = Verdict['kind'];
