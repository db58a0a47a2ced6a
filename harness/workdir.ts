// A per-run scratch directory under os.tmpdir() (vfslab-XXXXXX) holding the
// pmem backing file, keys and console log. Registered with the cleanup
// registry so that it goes away on any exit path unless it is to be kept.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { onCleanup, processCrashed } from './cleanup.js';

export class WorkDir {
  readonly path: string;
  /** When true, the directory survives for inspection (keepOnFailure after a failure). */
  keep = false;
  /**
   * Files kept if this process crashes while the directory is live (the
   * console log): the evidence of what the guest did. Everything else (pmem
   * image, keys, sockets) still goes.
   */
  keepOnCrash: readonly string[] = [];
  private readonly unregister: () => void;

  constructor(parent = os.tmpdir()) {
    this.path = fs.mkdtempSync(path.join(parent, 'vfslab-'));
    this.unregister = onCleanup(() => {
      if (this.keep) return;
      if (processCrashed() && this.keepOnCrash.length) this.pruneTo(this.keepOnCrash);
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

  /** Removes the directory unless `keep`; returns whether it still exists. */
  dispose(): boolean {
    this.unregister();
    if (!this.keep) this.removeNow();
    return fs.existsSync(this.path);
  }

  private pruneTo(names: readonly string[]): void {
    for (const f of fs.readdirSync(this.path)) if (!names.includes(f)) fs.rmSync(this.file(f), { recursive: true, force: true });
    process.stderr.write(`vfslab: crashed; kept ${names.filter((n) => fs.existsSync(this.file(n))).join(', ')} in ${this.path}\n`);
  }

  private removeNow(): void {
    fs.rmSync(this.path, { recursive: true, force: true });
  }
}
