// Why a runner invocation failed as a whole, in one line for an infra
// verdict: its exit status 2+ (the runner's own infrastructure exit) with the
// last line it wrote to stderr, or the signal that killed it.
import { consoleLogNote } from '../../harness/errors.js';

export interface RunnerExit {
  code: number | null;
  signal?: string | null;
  stderr: string;
}

/** '' when the runner finished (0: all passed its checks, 1: some scenario was infra). */
export function runnerFailure(r: RunnerExit): string {
  if (r.code === 0 || r.code === 1) return '';
  const last = r.stderr.trim().split('\n').pop() ?? '';
  const how = r.code === null ? `killed by ${r.signal ?? 'a signal'}` : `exited ${r.code}`;
  return last ? `vfslab-runner ${how}: ${last}` : `vfslab-runner ${how}`;
}

/** The guest a runner ran in, as far as a failure concerns it. */
export interface FailingGuest {
  markFailed(): void;
  readonly consoleLogPath: string;
}

/**
 * runnerFailure, and when the runner failed: the guest, about to be recycled,
 * is marked failed so that its console (a segfault line, an OOM kill: what
 * may say why) is kept, and the reason names it.
 */
export function guestRunnerFailure(guest: FailingGuest, r: RunnerExit): string {
  const failure = runnerFailure(r);
  if (!failure) return '';
  guest.markFailed();
  return failure + consoleLogNote(guest.consoleLogPath);
}
