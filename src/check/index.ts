// The checker's public surface, used by src/cli.
export { checkTrace, type CheckOptions } from './check.js';
export { predict, type Prediction, type PredictedStep } from './predict.js';
export { formatVerdict, formatPrediction } from './format.js';
export type { Verdict, VerdictKind, Divergence } from './verdict.js';
export { setupMismatch, type GuestFacts } from './setup.js';
