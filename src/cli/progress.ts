// Progress on stderr for every command, through one status line (status-line.ts):
// live in a terminal, plain lines only when stderr is not a TTY or CI=true.
import { formatProgress, type BuildProgress } from '../../harness/kernel/progress.js';
import { bootStatus, bootSummary, tickStatus, type StageLike } from './progress-render.js';
import { isLive, StatusLine } from './status-line.js';

let shared: StatusLine | undefined;
/** One per process: every writer must know what the others left on the terminal's last row. */
export function stderrStatus(): StatusLine {
  shared ??= new StatusLine(process.stderr, isLive(process.stderr, process.env));
  return shared;
}

/** Timestamped permanent lines ("[  3.1s] ..."), drawn above the status line. */
export function progress(status = stderrStatus(), now = () => Date.now()): (line: string) => void {
  const t0 = now();
  return (line) => status.line(`[${((now() - t0) / 1000).toFixed(1).padStart(5)}s] ${line}`);
}

/** A live "done/total" count with the latest scenario; silent when not live (TAP says it all). */
export function ticker(total: number, status = stderrStatus(), now = () => Date.now()): { tick: (label: string, failed: boolean) => void; end: () => void; clear: () => void } {
  let done = 0;
  let failed = 0;
  const t0 = now();
  return {
    tick(label, bad) {
      done++;
      if (bad) failed++;
      status.set(tickStatus({ done, total, failed, elapsedMs: now() - t0, label }));
    },
    end: () => status.clear(),
    /** Before other output to the same terminal. */
    clear: () => status.clear(),
  };
}

/**
 * Boot stages as they happen: a live line naming the stage reached (redrawn
 * every second while a stage takes long), then one summary line through log
 * when SSH answers, in both modes.
 */
export function bootStages(log: (line: string) => void, status = stderrStatus(), what = 'boot'): { onSpawn: () => void; onStage: (s: StageLike) => void; end: () => void } {
  const seen: StageLike[] = [];
  let spawnedAt = Date.now();
  let timer: NodeJS.Timeout | undefined;
  const draw = (): void => status.set(bootStatus(seen.at(-1), Date.now() - spawnedAt, what));
  const end = (): void => {
    if (timer) clearInterval(timer);
    timer = undefined;
    status.clear();
  };
  const tickEverySecond = (): void => {
    if (status.live && !timer) timer = setInterval(draw, 1000).unref();
  };
  return {
    /** QEMU runs: the line shows from now on, before the kernel prints anything. */
    onSpawn() {
      spawnedAt = Date.now();
      seen.length = 0;
      tickEverySecond();
      draw();
    },
    onStage(s) {
      if (seen.length === 0) {
        spawnedAt = Date.now() - s.ms;
        // A second guest (a recycled one) starts a new list.
      } else if (s.ms < seen.at(-1)!.ms) seen.length = 0;
      seen.push(s);
      tickEverySecond();
      draw();
      if (s.name === 'ssh-ready') {
        end();
        log(bootSummary(seen, what));
        seen.length = 0;
      }
    },
    end,
  };
}

/** Kernel build progress: the live line on a terminal; a plain line every 15 s (and at the end) otherwise. */
export function buildRenderer(log: (s: string) => void, status = stderrStatus(), everyMs = 15_000): { update: (p: BuildProgress) => void; end: () => void } {
  let lastPlain = -Infinity;
  return {
    update(p) {
      if (status.live) status.set(formatProgress(p));
      else if (p.elapsedMs - lastPlain >= everyMs || p.phase === 'done') {
        lastPlain = p.elapsedMs;
        log(formatProgress(p));
      }
    },
    end: () => status.clear(),
  };
}
