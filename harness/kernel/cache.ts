// Built kernels are cached by what went into them: source, series, config,
// compiler. Same key, same bzImage: an existing one is reused without building.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { imagesDir } from '../paths.js';

// Bump when the recipe changes in a way the inputs below do not show
// (make targets, KBUILD_* pins, how the config is derived).
export const buildRecipeVersion = 1;

export interface BuildKeyParts {
  sourceHash: string;
  seriesHash: string;
  configHash: string;
  compiler: string; // `gcc --version` and `ld --version` first lines
}

export function configHash(mergedFragment: string, base: string): string {
  return createHash('sha256').update(`vfslab-config 1 ${base}\n${mergedFragment}`).digest('hex');
}

/** Order-independent of object key order: the parts are serialised field by field. */
export function buildKey(p: BuildKeyParts): string {
  const h = createHash('sha256');
  h.update(`vfslab-kernel ${buildRecipeVersion}\n`);
  h.update(`source ${p.sourceHash}\nseries ${p.seriesHash}\nconfig ${p.configHash}\ncompiler ${p.compiler}\n`);
  return h.digest('hex');
}

/** What a cached build holds besides its bzImage, also copied into the manifest. */
export interface BuiltKernelRecord {
  key: string;
  parts: BuildKeyParts;
  release: string; // uname -r
  version: string; // 6.1.192
  flavour: string;
  source: string; // human description: 'linux-source-6.1 6.1.192-2' or 'tree /path'
  series: string | null; // series file, null for the empty series
  patches: string[];
  features: Record<string, boolean>;
  builtAt: string;
  buildSeconds: number;
  warnings: number;
}

export const builtKernelsDir = path.join(imagesDir, 'kernels', 'built');

export function cacheDirFor(key: string): string {
  return path.join(builtKernelsDir, key.slice(0, 16));
}

export const cachedFiles = { bzImage: 'bzImage', config: 'config', systemMap: 'System.map', record: 'build.json' } as const;

/** The cached build for a key, if complete (the record is written last). */
export async function lookupCached(key: string): Promise<BuiltKernelRecord | undefined> {
  const dir = cacheDirFor(key);
  const rec = path.join(dir, cachedFiles.record);
  if (!existsSync(rec) || !existsSync(path.join(dir, cachedFiles.bzImage))) return undefined;
  const r = JSON.parse(await readFile(rec, 'utf8')) as BuiltKernelRecord;
  return r.key === key ? r : undefined;
}
