import { existsSync, rmSync } from 'node:fs';
import { chmod, copyFile, mkdir, mkdtemp, readdir, rename, rm, stat, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { guestDir, imagesDir, probesBuildDir, repoRoot } from '../paths.js';
import { readManifest, updateManifest, type InitramfsEntry, type KernelEntry } from './manifest.js';
import { floorEntries, guestEntries, type Entry } from './contents.js';
import { hashEntries } from './hash.js';
import { onCleanup } from '../cleanup.js';
import { crashPoint } from '../test-seams.js';

export class ImageBuildError extends Error {
  readonly exitCode = 2;
}

async function stage(entries: Entry[], root: string): Promise<void> {
  for (const d of ['proc', 'sys', 'dev', 'tmp', 'run', 'mnt', 'root', 'etc']) await mkdir(path.join(root, d), { recursive: true });
  for (const e of entries) {
    const dest = path.join(root, e.dest);
    await mkdir(path.dirname(dest), { recursive: true });
    if (e.kind === 'symlink') await symlink(e.target, dest);
    else if (e.kind === 'text') await writeFile(dest, e.text, { mode: e.mode ?? 0o644 });
    else {
      await copyFile(e.src, dest);
      await chmod(dest, e.mode ?? 0o644);
    }
  }
}

/** newc cpio, uncompressed: under TCG the kernel unpacks it faster than a gzip. */
async function packCpio(root: string, out: string): Promise<void> {
  const files = (await execa('find', ['.', '-mindepth', '1'], { cwd: root })).stdout.split('\n').sort().join('\n') + '\n';
  await execa('cpio', ['-o', '-H', 'newc', '--quiet', '-R', '0:0', '-O', out], { cwd: root, input: files });
}

async function buildImage(entries: Entry[], hash: string, name: string, afterStage?: (root: string) => Promise<void>): Promise<string> {
  const file = `${name}-${hash.slice(0, 16)}.cpio`;
  const out = path.join(imagesDir, file);
  if (existsSync(out)) return file;
  const work = await mkdtemp(path.join(imagesDir, '.stage-'));
  // A crash or a signal mid-build must not leave a half-staged tree in images/.
  const unregister = onCleanup(() => rmSync(work, { recursive: true, force: true }));
  try {
    const root = path.join(work, 'root');
    await stage(entries, root);
    if (afterStage) await afterStage(root);
    await packCpio(root, path.join(work, file));
    await rename(path.join(work, file), out);
  } catch (e) {
    throw new ImageBuildError(`image: building ${file} failed: ${(e as Error).message}`);
  } finally {
    unregister();
    await rm(work, { recursive: true, force: true });
  }
  return file;
}

export async function buildProbes(): Promise<void> {
  const mk = path.join(guestDir, 'probes', 'Makefile');
  if (!existsSync(mk)) return;
  const r = await execa('make', ['-s', '-C', path.dirname(mk)], { reject: false, all: true });
  if (r.exitCode !== 0) throw new ImageBuildError(`image: building the probes failed (make -C guest/probes):\n${r.all}`);
}

/** The guest initramfs for a kernel: rebuilt only when its content hash changes. */
export async function ensureInitramfs(kernel: KernelEntry, log: (s: string) => void): Promise<InitramfsEntry> {
  crashPoint('image');
  await buildProbes();
  const modulesRoot = path.join(imagesDir, kernel.modulesDir);
  const entries = await guestEntries({
    modulesRoot,
    release: kernel.release,
    initScript: path.join(guestDir, 'init'),
    probesDir: probesBuildDir,
  });
  const hash = await hashEntries(entries, kernel.release);
  const have = (await readManifest()).initramfs[kernel.release];
  if (have && have.hash === hash && existsSync(path.join(imagesDir, have.file))) {
    log(`setup: initramfs for ${kernel.release}: up to date (${have.hash.slice(0, 12)}), nothing to do`);
    await pruneOlder(`initramfs-${kernel.release}-`, have.file);
    return have;
  }
  const started = Date.now();
  const file = await buildImage(entries, hash, `initramfs-${kernel.release}`, async (root) => {
    await execa('depmod', ['-b', root, kernel.release]);
    // One host key per image, made here so the guest need not spend boot time on it.
    await mkdir(path.join(root, 'etc/dropbear'), { recursive: true });
    const key = path.join(root, 'etc/dropbear/host_key');
    await execa('dropbearkey', ['-t', 'ed25519', '-f', key]);
    const pub = (await execa('dropbearkey', ['-y', '-f', key])).stdout.split('\n').find((l) => l.startsWith('ssh-'));
    if (!pub) throw new Error('dropbearkey -y printed no public key');
    await writeFile(`${key}.pub`, pub.split(' ').slice(0, 2).join(' ') + '\n');
  });
  const entry: InitramfsEntry = {
    file,
    hash,
    kernelRelease: kernel.release,
    builtAt: new Date().toISOString(),
    bytes: (await stat(path.join(imagesDir, file))).size,
  };
  await updateManifest((m) => {
    m.initramfs[kernel.release] = entry;
  });
  await pruneOlder(`initramfs-${kernel.release}-`, file);
  log(`setup: initramfs ${file} built in ${((Date.now() - started) / 1000).toFixed(1)} s (${(entry.bytes / 1048576).toFixed(1)} MiB)`);
  return entry;
}

/** Images are named by content hash; once a new one is recorded, older ones of the same kind are dead weight. */
async function pruneOlder(prefix: string, keep: string): Promise<void> {
  for (const f of await readdir(imagesDir)) {
    if (f.startsWith(prefix) && f.endsWith('.cpio') && f !== keep) await rm(path.join(imagesDir, f), { force: true });
  }
}

/** Bench floor: busybox that powers off from /init. */
export async function ensureFloorInitramfs(): Promise<string> {
  const entries = floorEntries();
  const hash = await hashEntries(entries, 'floor');
  const file = await buildImage(entries, hash, 'floor');
  await pruneOlder('floor-', file);
  return path.join(imagesDir, file);
}

export { repoRoot };
