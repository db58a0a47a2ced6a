// A per-run scratch directory under os.tmpdir() (vfslab-XXXXXX) holding the
// pmem backing file, keys and console log. Registered with the cleanup
// registry so that it goes away on any exit path unless it is to be kept.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { onCleanup } from './cleanup.js';

export class WorkDir {
  readonly path: string;
  /** When true, the directory survives for inspection (keepOnFailure after a failure). */
  keep = false;
  private readonly unregister: () => void;

  constructor(parent = os.tmpdir()) {
    this.path = fs.mkdtempSync(path.join(parent, 'vfslab-'));
    this.unregister = onCleanup(() => {
      if (!this.keep) this.removeNow();
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

  private removeNow(): void {
    fs.rmSync(this.path, { recursive: true, force: true });
  }
}
