// The reference model's public surface.
export type { KState, StepResult, Proc, OpenFile, Inode, Lease, InFlightSignal } from './state.js';
export { clone } from './state.js';
export { type Profile, profileFromManifest, hasFeature, missingFeatures, ProfileError, KNOWN_FEATURES } from './profile.js';
export { type ModelOptions, DEFAULT_OPTIONS, withOptions } from './options.js';
export { initialState } from './init.js';
export { applyStep, type ModelCtx } from './step.js';
export { closeHidden } from './hidden.js';
export { Unmodelled } from './unmodelled.js';
export { describeState, describeResult, stateKey } from './describe.js';
