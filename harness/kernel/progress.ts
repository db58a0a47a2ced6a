// Kbuild's quiet output ("  CC      fs/locks.o") turned into progress counts,
// and an ETA from the last full build of the same flavour: how many kbuild
// steps it took and how long its compile and link phases ran (kept beside
// ccache, so every checkout on the machine shares it).
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';

export interface BuildProgress {
  phase: 'config' | 'compile' | 'link' | 'done';
  compiled: number; // CC lines seen
  steps: number; // all kbuild step lines seen
  last: string; // e.g. "CC fs/locks.o"
  elapsedMs: number;
  /** The build started from an empty object directory (so the last full build predicts it). */
  full?: boolean;
  /** Share of the last full build's steps done, 0..1; absent without a history or for an incremental build. */
  fraction?: number;
  /** Estimated time left; absent when nothing predicts it (first full build, incremental compile). */
  etaMs?: number;
}

/** What a finished full build leaves for the next one's ETA. */
export interface BuildHistory {
  steps: number;
  compiled: number;
  compileMs: number; // compile phase start to the vmlinux link
  linkMs: number; // vmlinux link to done
  /** ms into the compile phase at 0 %, 5 %, ..., 100 % of its steps: kbuild's pace is far from even. */
  curve?: number[];
}

const CURVE_POINTS = 21;

/** The history's compile time at a share of its steps, interpolated on its curve (linear without one). */
export function historyMsAt(h: BuildHistory, fraction: number): number {
  const c = h.curve;
  if (!c || c.length < 2) return h.compileMs * fraction;
  const x = Math.min(1, Math.max(0, fraction)) * (c.length - 1);
  const i = Math.min(c.length - 2, Math.floor(x));
  return c[i]! + (c[i + 1]! - c[i]!) * (x - i);
}

const STEP_RE = /^ {2}([A-Z][A-Z0-9_-]{1,11})\s+(\S.*)$/;

/** A kbuild step line: verb (CC, LD, AR, ...) and target; undefined for anything else. */
export function parseKbuildLine(line: string): { verb: string; target: string } | undefined {
  const m = STEP_RE.exec(line);
  if (!m?.[1] || !m[2]) return undefined;
  return { verb: m[1], target: m[2].trim() };
}

/**
 * Time left. Compile: what the last full build still needed from the same
 * share of its steps, scaled by how this build's pace compares with it so far
 * (ccache may make it much faster or slower), the scale trusted more as more
 * is done; plus the last link time. Link: the last link time minus what this
 * one has taken.
 */
export function estimateEta(
  p: { phase: BuildProgress['phase']; steps: number; full: boolean },
  h: BuildHistory | undefined,
  compileMs: number,
  linkMs: number,
): { fraction?: number; etaMs?: number } {
  if (!h || h.steps <= 0) return {};
  if (p.phase === 'done') return { fraction: 1, etaMs: 0 };
  if (p.phase === 'link') return { ...(p.full ? { fraction: Math.min(1, p.steps / h.steps) } : {}), etaMs: Math.max(0, h.linkMs - linkMs) };
  if (!p.full) return {}; // an incremental build compiles an unknown subset
  if (p.phase === 'config') return { fraction: 0, etaMs: h.compileMs + h.linkMs };
  const fraction = Math.min(0.99, p.steps / h.steps);
  const histDone = historyMsAt(h, fraction);
  const histLeft = Math.max(0, h.compileMs - histDone);
  const pace = histDone > 1000 ? Math.min(5, Math.max(0.2, compileMs / histDone)) : 1;
  const w = Math.min(1, fraction / 0.2);
  return { fraction, etaMs: Math.round(histLeft * (w * pace + (1 - w)) + h.linkMs) };
}

export class ProgressCounter {
  private compiled = 0;
  private steps = 0;
  private last = '';
  private phase: BuildProgress['phase'] = 'compile';
  private compileStart: number | undefined;
  private linkStart: number | undefined;
  private doneAt: number | undefined;
  /** When each compile-phase step was seen, for the next build's curve. */
  private readonly stepTimes: number[] = [];
  private readonly full: boolean;
  private readonly history: BuildHistory | undefined;

  constructor(
    private readonly t0: number,
    opts: { full?: boolean; history?: BuildHistory } = {},
  ) {
    this.full = opts.full ?? false;
    this.history = opts.history;
  }

  line(l: string, now = Date.now()): void {
    const s = parseKbuildLine(l);
    if (!s) return;
    this.compileStart ??= now;
    this.steps++;
    if (this.linkStart === undefined) this.stepTimes.push(now);
    if (s.verb === 'CC') this.compiled++;
    if (s.verb === 'LD' && /vmlinux/.test(s.target) && this.phase !== 'link') {
      this.phase = 'link';
      this.linkStart = now;
    }
    this.last = `${s.verb} ${s.target}`;
  }

  setPhase(p: BuildProgress['phase'], now = Date.now()): void {
    this.phase = p;
    if (p === 'compile') this.compileStart = now;
    if (p === 'done') this.doneAt = now;
  }

  snapshot(now: number): BuildProgress {
    const compileMs = this.compileStart === undefined ? 0 : (this.linkStart ?? now) - this.compileStart;
    const linkMs = this.linkStart === undefined ? 0 : now - this.linkStart;
    const eta = estimateEta({ phase: this.phase, steps: this.steps, full: this.full }, this.history, compileMs, linkMs);
    return { phase: this.phase, compiled: this.compiled, steps: this.steps, last: this.last, elapsedMs: now - this.t0, ...(this.full ? { full: true } : {}), ...eta };
  }

  /** This build as the next one's predictor; undefined unless it was full and finished. */
  toHistory(): BuildHistory | undefined {
    if (!this.full || this.doneAt === undefined || this.compileStart === undefined) return undefined;
    const linkStart = this.linkStart ?? this.doneAt;
    const start = this.compileStart;
    const n = this.stepTimes.length;
    // The curve is over all steps; link steps are few and sit at its end.
    const curve = Array.from({ length: CURVE_POINTS }, (_, k) => {
      const i = Math.round((k / (CURVE_POINTS - 1)) * (this.steps - 1));
      return i < n ? this.stepTimes[i]! - start : linkStart - start;
    });
    return { steps: this.steps, compiled: this.compiled, compileMs: linkStart - start, linkMs: this.doneAt - linkStart, ...(n > 1 ? { curve } : {}) };
  }
}

export function historyFile(dir: string, flavour: string): string {
  return path.join(dir, `kernel-progress-${flavour}.json`);
}

export async function readBuildHistory(file: string): Promise<BuildHistory | undefined> {
  try {
    const h = JSON.parse(await readFile(file, 'utf8')) as Partial<BuildHistory>;
    return typeof h.steps === 'number' && typeof h.compileMs === 'number' && typeof h.linkMs === 'number' ? (h as BuildHistory) : undefined;
  } catch {
    return undefined; // none yet, or unreadable: no ETA, never a failed build
  }
}

export async function writeBuildHistory(file: string, h: BuildHistory): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, JSON.stringify(h) + '\n');
  await rename(tmp, file);
}

export function formatElapsed(ms: number): string {
  const s = Math.floor(ms / 1000);
  return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
}

/** One line, the same in a terminal and a log: phase, counts, elapsed, ETA. */
export function formatProgress(p: BuildProgress): string {
  const pct = p.fraction !== undefined && p.phase !== 'done' ? ` ${Math.floor(p.fraction * 100)}%` : '';
  const eta = p.etaMs !== undefined && p.phase !== 'done' ? `, ETA ${formatElapsed(p.etaMs)}` : '';
  return `kernel: ${formatElapsed(p.elapsedMs)} ${p.phase}${pct}: ${p.compiled} compiled${p.last ? `, ${p.last}` : ''}${eta}`;
}
