import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { Entry } from './contents.js';

// Bump when the way an image is assembled changes, so old images are not reused.
export const imageFormatVersion = 3;

/** Content hash of an image's entries: what goes in, not when or where from. */
export async function hashEntries(entries: Entry[], salt: string): Promise<string> {
  const h = createHash('sha256');
  h.update(`vfslab-initramfs ${imageFormatVersion} ${salt}\n`);
  for (const e of [...entries].sort((a, b) => (a.dest < b.dest ? -1 : a.dest > b.dest ? 1 : 0))) {
    if (e.kind === 'symlink') h.update(`L ${e.dest} ${e.target}\n`);
    else if (e.kind === 'text') h.update(`T ${e.dest} ${e.mode ?? 0o644} ${e.text.length}\n${e.text}`);
    else {
      const body = await readFile(e.src);
      h.update(`F ${e.dest} ${e.mode ?? 0o644} ${body.length}\n`);
      h.update(body);
    }
  }
  return h.digest('hex');
}
