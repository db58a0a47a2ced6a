// The results of one `vfslab run`, as written to --json and read back by
// `vfslab merge` and the report writers. Version it: CI jobs merge files
// written by other machines.
import type { Verdict } from '../check/index.js';
import type { Observation } from '../trace/types.js';

export const RESULTS_VERSION = 1;

export interface RunMetadata {
  startedAt: string;
  durationMs: number;
  kernel: { name: string; path: string; release?: string; debianVersion?: string; hashes?: Record<string, string> };
  profile: { name: string; version: string; features: Record<string, boolean> };
  guest: { pmem: string; fs: string; dax: string; bootMs: number; qemuArgv: string[]; consoleLog?: string };
  qemu: { version: string; accel: string; accelSource: string; machine: string };
  host: { hostname: string; release: string; cpus: number };
  shard?: { index: number; count: number };
  seeds?: number[];
}

export interface ScenarioRecord {
  /** Path relative to the repository (or as given). */
  file: string;
  name: string;
  /** pmem/fs/dax of the guest, when one run covered several (--matrix). */
  guest?: string;
  verdict: Verdict;
  ms: number;
  observations: Observation[];
}

export interface RunResults {
  version: typeof RESULTS_VERSION;
  metadata: RunMetadata[];
  scenarios: ScenarioRecord[];
}
