// Progress on stderr. In a terminal: a live line rewritten in place; when
// stderr is not a TTY, or CI=true, plain lines only (no control codes).
const live = (): boolean => process.stderr.isTTY === true && process.env['CI'] !== 'true';

export function progress(): (line: string) => void {
  const t0 = Date.now();
  return (line) => {
    if (live()) process.stderr.write('\r\x1b[K');
    process.stderr.write(`[${((Date.now() - t0) / 1000).toFixed(1).padStart(5)}s] ${line}\n`);
  };
}

/** A live "done/total" count with the latest scenario; silent when not live (TAP says it all). */
export function ticker(total: number): { tick: (label: string, failed: boolean) => void; end: () => void; clear: () => void } {
  let done = 0;
  let failed = 0;
  const t0 = Date.now();
  return {
    tick(label, bad) {
      done++;
      if (bad) failed++;
      if (!live()) return;
      const s = ((Date.now() - t0) / 1000).toFixed(1);
      process.stderr.write(`\r\x1b[K[${done}/${total}${failed ? `, ${failed} failing` : ''}, ${s}s] ${label}`.slice(0, (process.stderr.columns ?? 100) - 1));
    },
    end() {
      if (live()) process.stderr.write('\r\x1b[K');
    },
    /** Before other output to the same terminal. */
    clear() {
      if (live()) process.stderr.write('\r\x1b[K');
    },
  };
}
