// Progress text, the same words in a terminal and in a log: boot stages of a
// guest (harness/guest.ts BootStage, from the console and VFSLAB-STAGE
// markers) and the per-scenario count of a run. Pure: tests need no terminal.

export interface StageLike {
  name: string;
  ms: number;
}

const fixed: Record<string, string> = {
  'first-byte': 'kernel',
  'run-init': '/init',
  ready: 'ready', // VFSLAB-READY; not "guest ready", which callers wait for in the log
  'ssh-ready': 'ssh',
};

/** 'stage:mkfs' -> 'mkfs'; the harness's own stages get readable names. */
export function stageLabel(name: string): string {
  return fixed[name] ?? name.replace(/^stage:/, '');
}

export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/** The live line while a guest boots: the stage reached and the time since QEMU started. */
export function bootStatus(latest: StageLike | undefined, nowMs: number, what = 'boot'): string {
  return `${what}: ${seconds(nowMs)}${latest ? `, ${stageLabel(latest.name)}` : ', starting QEMU'}`;
}

/** One line for the log once SSH answers: every stage with the time it was reached. */
export function bootSummary(stages: readonly StageLike[], what = 'boot'): string {
  const parts = stages.map((s) => `${stageLabel(s.name)} ${(s.ms / 1000).toFixed(2)}`);
  return `${what}: stages (s since QEMU start): ${parts.join(', ')}`;
}

export interface TickState {
  done: number;
  total: number;
  failed: number;
  elapsedMs: number;
  label: string;
}

/** The live line of a run: done/total, failures so far, elapsed, the latest scenario. */
export function tickStatus(s: TickState): string {
  return `[${s.done}/${s.total}${s.failed ? `, ${s.failed} failing` : ''}, ${(s.elapsedMs / 1000).toFixed(1)}s] ${s.label}`;
}
