import { readFile, writeFile, rename } from 'node:fs/promises';
import path from 'node:path';
import { imagesDir } from '../paths.js';

// images/manifest.json records exactly what set-up unpacked and built; the
// kernel's profile (version, features) is read from here, never guessed.
export interface KernelEntry {
  package: string;
  debianVersion: string;
  release: string; // uname -r
  vmlinuz: string; // relative to images/
  modulesDir: string; // relative to images/, holds lib/modules/<release>
  config: string;
  profile: { name: string; version: string; features: Record<string, boolean> };
  /** Only for kernels vfslab built from source (`vfslab kernel build`); absent for stock. */
  build?: KernelBuildInfo;
}

/** What a built kernel was made from; `key` names its cache entry under images/kernels/built/. */
export interface KernelBuildInfo {
  key: string;
  sourceHash: string;
  seriesHash: string;
  configHash: string;
  compiler: string;
  flavour: string;
  source: string; // 'linux-source-6.1 6.1.192-2' or 'tree /path'
  series: string | null; // the series file, null when no series was applied
  patches: string[];
  builtAt: string;
}

export interface InitramfsEntry {
  file: string; // relative to images/
  hash: string;
  kernelRelease: string;
  builtAt: string;
  bytes: number;
}

export interface Manifest {
  kernels: Record<string, KernelEntry>;
  initramfs: Record<string, InitramfsEntry>;
}

export const manifestPath = path.join(imagesDir, 'manifest.json');

export async function readManifest(): Promise<Manifest> {
  try {
    const m = JSON.parse(await readFile(manifestPath, 'utf8')) as Partial<Manifest>;
    return { kernels: m.kernels ?? {}, initramfs: m.initramfs ?? {} };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { kernels: {}, initramfs: {} };
    throw e;
  }
}

// Write through a temp file so a crash never leaves half a manifest.
export async function updateManifest(change: (m: Manifest) => void): Promise<Manifest> {
  const m = await readManifest();
  change(m);
  const tmp = `${manifestPath}.${process.pid}.tmp`;
  await writeFile(tmp, JSON.stringify(m, null, 2) + '\n');
  await rename(tmp, manifestPath);
  return m;
}
