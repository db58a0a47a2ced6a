// Kbuild's quiet output ("  CC      fs/locks.o") turned into progress counts.

export interface BuildProgress {
  phase: 'config' | 'compile' | 'link' | 'done';
  compiled: number; // CC lines seen
  steps: number; // all kbuild step lines seen
  last: string; // e.g. "CC fs/locks.o"
  elapsedMs: number;
}

const STEP_RE = /^ {2}([A-Z][A-Z0-9_-]{1,11})\s+(\S.*)$/;

/** A kbuild step line: verb (CC, LD, AR, ...) and target; undefined for anything else. */
export function parseKbuildLine(line: string): { verb: string; target: string } | undefined {
  const m = STEP_RE.exec(line);
  if (!m?.[1] || !m[2]) return undefined;
  return { verb: m[1], target: m[2].trim() };
}

export class ProgressCounter {
  private compiled = 0;
  private steps = 0;
  private last = '';
  private phase: BuildProgress['phase'] = 'compile';
  constructor(private readonly t0: number) {}

  line(l: string): void {
    const s = parseKbuildLine(l);
    if (!s) return;
    this.steps++;
    if (s.verb === 'CC') this.compiled++;
    if (s.verb === 'LD' && /vmlinux/.test(s.target)) this.phase = 'link';
    this.last = `${s.verb} ${s.target}`;
  }

  setPhase(p: BuildProgress['phase']): void {
    this.phase = p;
  }

  snapshot(now: number): BuildProgress {
    return { phase: this.phase, compiled: this.compiled, steps: this.steps, last: this.last, elapsedMs: now - this.t0 };
  }
}

export function formatElapsed(ms: number): string {
  const s = Math.floor(ms / 1000);
  return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
}

export function formatProgress(p: BuildProgress): string {
  return `kernel: ${formatElapsed(p.elapsedMs)} ${p.phase}: ${p.compiled} compiled${p.last ? `, ${p.last}` : ''}`;
}
