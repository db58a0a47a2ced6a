// Test seams for the fault-injection tests (tests/vm/faults-*.test.ts). All
// are inert unless their environment variable is set; nothing else sets them.
//
//   VFSLAB_TEST_FAULT=KIND@BATCH   a fault while runner batch BATCH (0-based) runs:
//     kill-runner   killall -KILL vfslab-runner 1 s into the batch (a runner crash)
//     kill-sshd     killall dropbear 1 s into the batch (the guest's sshd dies)
//     drop-ssh      the host destroys the SSH socket 1 s into the batch
//     kill-qemu     the host SIGKILLs its QEMU 1 s into the batch (as the OOM killer would)
//     leave-frozen  FIFREEZE on /mnt/pmem before the runner: it blocks in D state forever
//     hung-task     freeze, a writer blocked past hung_task_timeout_secs=2, thaw
//   VFSLAB_TEST_CRASH_AT=image|boot|run|report   the harness crashes at that stage
//     (image: before the initramfs check; boot: at QEMU's first console byte;
//     run: after the first batch's verdicts; report: after --json, before --junit).
//   VFSLAB_TEST_FAIL_BOOT_AFTER=N   every guest launch of this process after the
//     first N fails: its boot is aborted as soon as QEMU runs (a BootError through
//     Guest.boot's own failure path: QEMU killed, work dir pruned to its evidence). With a fault
//     that forces a recycle, the recycle finds no guest.
import { InputError } from './errors.js';

export const FAULT_KINDS = ['kill-runner', 'kill-sshd', 'drop-ssh', 'kill-qemu', 'leave-frozen', 'hung-task'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];
export interface TestFault {
  kind: FaultKind;
  batch: number;
}

export const CRASH_STAGES = ['image', 'boot', 'run', 'report'] as const;
export type CrashStage = (typeof CRASH_STAGES)[number];

/** The probe that freezes a filesystem (guest/probes/freeze-write.c). */
export const FREEZE_PROBE = '/opt/vfslab/bin/freeze-write';
const PMEM_MOUNT = '/mnt/pmem';

export function faultFromEnv(env: NodeJS.ProcessEnv = process.env): TestFault | undefined {
  const v = env['VFSLAB_TEST_FAULT'];
  if (v === undefined || v === '') return undefined;
  const m = /^([a-z-]+)@(\d+)$/.exec(v);
  if (!m || !(FAULT_KINDS as readonly string[]).includes(m[1]!)) {
    throw new InputError('VFSLAB_TEST_FAULT', `'${v}' is not KIND@BATCH`, `${FAULT_KINDS.join('|')}@N, e.g. kill-sshd@1`);
  }
  return { kind: m[1] as FaultKind, batch: Number(m[2]) };
}

/**
 * Shell text put before the runner command of the faulty batch. drop-ssh and
 * kill-qemu have none: the host does them (Guest.dropConnection, Guest.killQemu).
 */
export function faultCommandPrefix(kind: FaultKind): string {
  switch (kind) {
    case 'kill-runner':
      return '(sleep 1; killall -KILL vfslab-runner) & ';
    case 'kill-sshd':
      // Kills the listener and the session's own dropbear: the connection goes with it.
      return '(sleep 1; killall dropbear) & ';
    case 'leave-frozen':
      return `${FREEZE_PROBE} ${PMEM_MOUNT} --leave-frozen; `;
    case 'hung-task':
      return `${FREEZE_PROBE} ${PMEM_MOUNT} --hung-secs 2; `;
    case 'drop-ssh':
    case 'kill-qemu':
      return '';
  }
}

/** VFSLAB_TEST_FAIL_BOOT_AFTER: how many launches succeed before every later one fails. */
export function failBootAfterFromEnv(env: NodeJS.ProcessEnv = process.env): number | undefined {
  const v = env['VFSLAB_TEST_FAIL_BOOT_AFTER'];
  if (v === undefined || v === '') return undefined;
  if (!/^\d+$/.test(v)) throw new InputError('VFSLAB_TEST_FAIL_BOOT_AFTER', `'${v}' is not a number of boots`, 'N >= 0, e.g. 1');
  return Number(v);
}

/** Why launch number `launch` (1-based) is made to fail, if it is. */
export function bootFailure(after: number | undefined, launch: number): string | undefined {
  if (after === undefined || launch <= after) return undefined;
  return `VFSLAB_TEST_FAIL_BOOT_AFTER=${after}: launch ${launch} made to fail`;
}

// Process-wide: a recycle is a later launch of the same run.
let launches = 0;

/** Counts a guest launch; why it is to fail (VFSLAB_TEST_FAIL_BOOT_AFTER), or undefined. */
export function nextLaunchFailure(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const after = failBootAfterFromEnv(env);
  return bootFailure(after, ++launches);
}

function crashStage(env: NodeJS.ProcessEnv): CrashStage | undefined {
  const v = env['VFSLAB_TEST_CRASH_AT'];
  if (v === undefined || v === '') return undefined;
  if (!(CRASH_STAGES as readonly string[]).includes(v)) {
    throw new InputError('VFSLAB_TEST_CRASH_AT', `unknown stage '${v}'`, CRASH_STAGES.join('|'));
  }
  return v as CrashStage;
}

/**
 * At `stage`, when VFSLAB_TEST_CRASH_AT names it, a crash. 'uncaught': an
 * exception thrown from a timer, so that no caller's finally block or catch
 * runs, as a bug in an event handler would; only the process-wide cleanup sees
 * it. 'throw': thrown here, inside synchronous code that a timer could not
 * interrupt (writing the results), up to the CLI's last-resort handler.
 */
export function crashPoint(stage: CrashStage, how: 'uncaught' | 'throw' = 'uncaught', env: NodeJS.ProcessEnv = process.env): void {
  if (crashStage(env) !== stage) return;
  const crash = new Error(`VFSLAB_TEST_CRASH_AT=${stage}: injected crash`);
  if (how === 'throw') throw crash;
  setImmediate(() => {
    throw crash;
  });
}
