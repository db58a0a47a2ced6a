// Why a runner invocation failed as a whole, in one line for an infra
// verdict: its exit status 2+ (the runner's own infrastructure exit) with the
// last line it wrote to stderr, or the signal that killed it.
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
