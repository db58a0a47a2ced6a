// One transient status line under the permanent output of a command, on
// stderr. Live (a terminal, not CI): the line is rewritten in place with \r and
// erase-line, and redrawn under every permanent line. Plain (a pipe, a file,
// CI=true): status lines are dropped and permanent lines are written as they
// are, so logs never hold a control code.

export interface Sink {
  write(s: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

/** Live only on a terminal, outside CI, and not on a dumb terminal. */
export function isLive(sink: { isTTY?: boolean }, env: NodeJS.ProcessEnv): boolean {
  const ci = env['CI'];
  return sink.isTTY === true && (ci === undefined || ci === '' || ci === 'false' || ci === '0') && env['TERM'] !== 'dumb';
}

const ERASE = '\r\x1b[K';

export class StatusLine {
  private shown = '';

  constructor(
    private readonly sink: Sink,
    readonly live: boolean,
  ) {}

  /** Replaces the status line (live); nothing in plain mode. */
  set(text: string): void {
    if (!this.live) return;
    // One row: a wrapped line could not be erased with \r.
    this.shown = text.replace(/\s*\n\s*/g, ' ').slice(0, Math.max(20, (this.sink.columns || 100) - 1));
    this.sink.write(ERASE + this.shown);
  }

  /** A permanent line, above the status line (which is redrawn under it). */
  line(text: string): void {
    if (this.live && this.shown) this.sink.write(ERASE);
    this.sink.write(text + '\n');
    if (this.live && this.shown) this.sink.write(this.shown);
  }

  /** Erases the status line, e.g. before output to stdout on the same terminal. */
  clear(): void {
    if (this.live && this.shown) this.sink.write(ERASE);
    this.shown = '';
  }
}
