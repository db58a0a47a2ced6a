// A per-run scratch directory under os.tmpdir() (vfslab-XXXXXX) holding the
// pmem backing file, keys and console log. Registered with the cleanup
// registry so that it goes away on any exit path unless it is to be kept;
// when something went wrong, the evidence in it (the console log) stays.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { onCleanup, processCrashed, processInterrupted } from './cleanup.js';

export class WorkDir {
  readonly path: string;
  /** When true, the whole directory survives for inspection (keepOnFailure after a failure). */
  keep = false;
  /**
   * The files that explain a failure (the console log, the QEMU command
   * line). They survive, and everything else (pmem image, keys, sockets)
   * goes, when the owner failed (`failed`) or this process ends by a crash or
   * a signal while the directory is live.
   */
  evidence: readonly string[] = [];
  /** Set by the owner when what ran here failed: dispose keeps the evidence. */
  failed = false;
  private readonly unregister: () => void;

  constructor(parent = os.tmpdir()) {
    this.path = fs.mkdtempSync(path.join(parent, 'vfslab-'));
    this.unregister = onCleanup(() => {
      if (this.keep) return;
      const signal = processInterrupted();
      const why = processCrashed() ? 'crashed' : signal ? `interrupted by ${signal}` : this.failed ? 'failed' : '';
      if (why && this.evidence.length) this.pruneTo(this.evidence, why);
      else this.removeNow();
    });
  }

  file(name: string): string {
    return path.join(this.path, name);
  }

  /** A sparse file of `mib` MiB: costs no disk until the guest writes. */
  sparseFile(name: string, mib: number): string {
    const p = this.file(name);
    const fd = fs.openSync(p, 'w', 0o600);
    try {
      fs.ftruncateSync(fd, mib * 1024 * 1024);
    } finally {
      fs.closeSync(fd);
    }
    return p;
  }

  /** A copy of `src` that keeps its holes (and shares blocks where the fs can reflink). */
  sparseCopy(src: string, name: string): string {
    const p = this.file(name);
    execFileSync('cp', ['--sparse=always', '--reflink=auto', src, p], { stdio: ['ignore', 'ignore', 'pipe'] });
    return p;
  }

  /**
   * Removes the directory, or with `keep` leaves it whole, or when `failed`
   * leaves only the evidence; returns whether it still exists.
   */
  dispose(): boolean {
    this.unregister();
    if (this.keep) return true;
    if (this.failed && this.evidence.length) this.pruneTo(this.evidence);
    else this.removeNow();
    return fs.existsSync(this.path);
  }

  /** Leaves only `names`; `why` (a crash, a signal) is said on stderr, since no error message will name the directory. */
  private pruneTo(names: readonly string[], why?: string): void {
    if (!fs.existsSync(this.path)) return;
    for (const f of fs.readdirSync(this.path)) if (!names.includes(f)) fs.rmSync(this.file(f), { recursive: true, force: true });
    const kept = names.filter((n) => fs.existsSync(this.file(n)));
    if (kept.length === 0) this.removeNow();
    else if (why) process.stderr.write(`vfslab: ${why}; kept ${kept.join(', ')} in ${this.path}\n`);
  }

  private removeNow(): void {
    fs.rmSync(this.path, { recursive: true, force: true });
  }
}
