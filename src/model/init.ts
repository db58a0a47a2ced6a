// The model state at the start of a scenario: the initial process with fds
// 0, 1, 2 on one /dev/null open file (what the runner sets up), an empty
// scenario directory, and the setup's sysctls over the kernel defaults.

import type { Scenario } from '../scenario/ast.js';
import { O } from '../scenario/flags.js';
import type { KState, OpenFile } from './state.js';
import { newProc } from './process.js';
import { fanSysctl } from './fanotify-step.js';
import { guestEnv } from './guest-env.js';
import type { Profile } from './profile.js';

/** fs/locks.c defaults: lease_break_time = 45, leases_enable = 1. */
export const DEFAULT_LEASE_BREAK_TIME = 45;

/**
 * `guest`: the pmem backend, filesystem and dax= mode of the guest the trace
 * comes from (the checker's GuestFacts); absent, the scenario's setup with
 * the harness defaults for `any` (see guest-env.ts). `profile`: the kernel's
 * feature switches that change state transitions (leaseCloseShutdown).
 */
export function initialState(sc: Scenario, guest?: { pmem: string; fs: string; dax: string }, profile?: Profile): KState {
  const first = sc.processes[0];
  if (!first) throw new Error(`scenario ${sc.name} has no initial process`);
  const a = newProc(first.name, 1, 1); // the runner does setpgid(0, 0)
  const devnull: OpenFile = {
    id: 1, kind: 'stdio', ino: 0, flags: O.RDWR | O.LARGEFILE, read: true, write: true, pos: 0,
    path: '/dev/null', unlinked: false, refs: 3, owner: { type: 'pid', id: null, signum: 0 },
  };
  a.fds = [{ file: 1, cloexec: false }, { file: 1, cloexec: false }, { file: 1, cloexec: false }];
  const s: KState = {
    procs: [a],
    files: new Map([[1, devnull]]),
    inodes: new Map([[1, { ino: 1, type: 'dir', nlink: 2, mode: 0o755, size: 0, data: '', readcount: 0, writecount: 0, leases: [] }]]),
    names: new Map([['', 1]]),
    nextFile: 2,
    nextIno: 2,
    clock: 0,
    inflight: [],
    sysctl: { leaseBreakTime: DEFAULT_LEASE_BREAK_TIME, leasesEnable: 1 },
    why: [],
    guest: guestEnv(sc.setup, guest),
    ...(profile ? { profile } : {}),
  };
  for (const c of sc.setup.sysctls) {
    if (c.name === 'fs.lease-break-time') s.sysctl.leaseBreakTime = c.value;
    if (c.name === 'fs.leases-enable') s.sysctl.leasesEnable = c.value;
    fanSysctl(s, c.name, c.value);
  }
  return s;
}
