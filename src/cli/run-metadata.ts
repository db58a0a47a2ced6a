// metadata.json of a run: what ran where, so a result can be traced to its
// kernel, guest and host.
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import type { KernelEntry } from '../../harness/image/manifest.js';
import type { Profile } from '../model/profile.js';
import type { RunMetadata } from '../report/types.js';
import type { RunOutcome } from './run-scenarios.js';
import type { Shard } from './shard.js';

function qemuVersion(): string {
  try {
    return execFileSync('qemu-system-x86_64', ['--version'], { encoding: 'utf8' }).split('\n')[0] ?? '';
  } catch {
    return 'unknown';
  }
}

export interface MetadataInput {
  startedAt: Date;
  kernel: string;
  profile: Profile;
  guest: { pmem: string; fs: string; dax: string };
  /** Absent for a guest cut short by a signal: no boot time, command line or accelerator to report. */
  outcome?: RunOutcome;
  shard?: Shard;
}

/** Synchronous (a signal handler uses it too), given the kernel's manifest entry (undefined for a bzImage path). */
export function metadataOf(entry: KernelEntry | undefined, a: MetadataInput): RunMetadata {
  return {
    startedAt: a.startedAt.toISOString(),
    durationMs: Date.now() - a.startedAt.getTime(),
    kernel: {
      name: entry ? a.kernel : 'path',
      path: entry ? entry.vmlinuz : a.kernel,
      ...(entry ? { release: entry.release, debianVersion: entry.debianVersion } : {}),
      ...(entry?.build ? { hashes: Object.fromEntries(Object.entries(entry.build).filter(([, v]) => typeof v === 'string')) as Record<string, string> } : {}),
    },
    profile: { name: a.profile.name, version: a.profile.version, features: { ...a.profile.features } },
    guest: { ...a.guest, bootMs: a.outcome?.bootMs ?? 0, qemuArgv: [...(a.outcome?.guest?.argv ?? [])], consoleLog: a.outcome?.consoleLog },
    qemu: { version: qemuVersion(), accel: a.outcome?.guest?.accel ?? 'none', accelSource: a.outcome?.guest?.accelSource ?? 'none', machine: 'q35' },
    host: { hostname: os.hostname(), release: os.release(), cpus: os.cpus().length },
    ...(a.shard ? { shard: a.shard } : {}),
  };
}
