// Where a kernel's source comes from: Debian's linux-source-6.1 at the pinned
// version (downloaded and unpacked once under images/src/), or a user's tree,
// which is only ever read.
import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rename, rm, writeFile, lstat, readlink } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { imagesDir } from '../paths.js';
import { InputError } from '../errors.js';
import { aptDownload, archiveVersions } from './apt.js';
import { readPin, sourcePackage } from './pin.js';

export interface KernelSource {
  dir: string; // the tree make runs in (never written to when it is the user's)
  hash: string; // content identity, part of the build key
  describe: string; // for logs and the manifest
  package: string; // manifest KernelEntry.package
  debianVersion: string; // '' for a user's tree
  userTree: boolean;
}

export const srcDir = path.join(imagesDir, 'src');
const stampName = '.vfslab-source.json';

interface SourceStamp {
  package: string;
  debianVersion: string;
  tarballSha256: string;
}

async function sha256File(file: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(file)) h.update(chunk as Buffer);
  return h.digest('hex');
}

/** The pinned linux-source-6.1, unpacked once; its hash is the upstream tarball's. */
export async function ensureDebianSource(log: (s: string) => void): Promise<KernelSource> {
  const pin = await readPin();
  const dir = path.join(srcDir, `${sourcePackage}_${pin.debianVersion}`);
  const describe = `${sourcePackage} ${pin.debianVersion}`;
  const stampPath = path.join(dir, stampName);
  if (existsSync(stampPath)) {
    const s = JSON.parse(await readFile(stampPath, 'utf8')) as SourceStamp;
    return { dir, hash: s.tarballSha256, describe, package: sourcePackage, debianVersion: pin.debianVersion, userTree: false };
  }
  const offered = await archiveVersions(sourcePackage);
  if (!offered.includes(pin.debianVersion)) {
    throw new InputError(
      'images/pin.json',
      `${sourcePackage}=${pin.debianVersion} is not in the archive (offered: ${offered.join(', ') || 'nothing; is `apt-get update` done?'})`,
      'move the pin with `npm run pin -- --latest`',
    );
  }
  await mkdir(srcDir, { recursive: true });
  const work = await mkdtemp(path.join(srcDir, '.fetch-'));
  try {
    log(`kernel: fetching ${sourcePackage}=${pin.debianVersion}`);
    await aptDownload(sourcePackage, pin.debianVersion, work);
    const deb = (await readdir(work)).find((f) => f.endsWith('.deb'));
    if (!deb) throw new Error(`apt-get download of ${sourcePackage} produced no .deb`);
    // The package holds one tarball: /usr/src/linux-source-6.1.tar.xz.
    const tarball = path.join(work, 'linux-source-6.1.tar.xz');
    await execa('sh', ['-c', 'dpkg-deb --fsys-tarfile "$1" | tar -xO ./usr/src/linux-source-6.1.tar.xz > "$2"', 'sh', path.join(work, deb), tarball]);
    const tarballSha256 = await sha256File(tarball);
    log(`kernel: unpacking ${path.basename(tarball)} (once)`);
    const out = path.join(work, 'tree');
    await mkdir(out);
    await execa('tar', ['-xJf', tarball, '-C', out]);
    const top = await readdir(out);
    if (top.length !== 1 || !top[0]) throw new Error(`${tarball}: expected one top-level directory, found ${top.join(', ')}`);
    const stamp: SourceStamp = { package: sourcePackage, debianVersion: pin.debianVersion, tarballSha256 };
    await writeFile(path.join(out, top[0], stampName), JSON.stringify(stamp, null, 2) + '\n');
    await rm(dir, { recursive: true, force: true });
    await rename(path.join(out, top[0]), dir);
    return { dir, hash: tarballSha256, describe, package: sourcePackage, debianVersion: pin.debianVersion, userTree: false };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

async function isGitTop(dir: string): Promise<boolean> {
  const r = await execa('git', ['-C', dir, 'rev-parse', '--show-toplevel'], { reject: false });
  return r.exitCode === 0 && path.resolve(r.stdout.trim()) === path.resolve(dir);
}

/** A git tree's identity: HEAD, the diff against it, and untracked (not ignored) files' contents. */
async function gitTreeHash(dir: string): Promise<string> {
  const h = createHash('sha256');
  const head = await execa('git', ['-C', dir, 'rev-parse', 'HEAD']);
  h.update(`git ${head.stdout.trim()}\n`);
  const diff = await execa('git', ['-C', dir, 'diff', 'HEAD', '--binary'], { encoding: 'buffer', maxBuffer: 1 << 30 });
  h.update(diff.stdout);
  const untracked = await execa('git', ['-C', dir, 'ls-files', '--others', '--exclude-standard', '-z']);
  for (const f of untracked.stdout.split('\0').filter(Boolean).sort()) {
    h.update(`U ${f}\n`);
    h.update(await readFile(path.join(dir, f)).catch(() => Buffer.from('<unreadable>')));
  }
  return h.digest('hex');
}

/** A tree without git: every file's path and content. */
async function walkHash(dir: string): Promise<string> {
  const h = createHash('sha256');
  const walk = async (rel: string): Promise<void> => {
    const entries = (await readdir(path.join(dir, rel), { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1));
    for (const e of entries) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) await walk(r);
      else if (e.isSymbolicLink()) h.update(`L ${r} ${await readlink(path.join(dir, r))}\n`);
      else if (e.isFile()) {
        h.update(`F ${r}\n`);
        h.update(await readFile(path.join(dir, r)));
      }
    }
  };
  await walk('');
  return h.digest('hex');
}

/** `--tree PATH`: any kernel tree, read only. */
export async function userTree(tree: string): Promise<KernelSource> {
  const dir = path.resolve(tree);
  const st = await lstat(dir).catch(() => undefined);
  if (!st?.isDirectory() || !existsSync(path.join(dir, 'Makefile')) || !existsSync(path.join(dir, 'Kconfig'))) {
    throw new InputError('--tree', `'${tree}' is not a kernel source tree (no Makefile and Kconfig)`, 'a directory holding a Linux source tree');
  }
  const git = await isGitTop(dir);
  const hash = git ? await gitTreeHash(dir) : await walkHash(dir);
  return { dir, hash, describe: `tree ${dir}${git ? ' (git)' : ''}`, package: 'tree', debianVersion: '', userTree: true };
}

/**
 * An out-of-tree build (O=) needs a clean source tree; vfslab never cleans a
 * user's tree itself.
 */
export function treeBuiltInPlace(dir: string): boolean {
  return existsSync(path.join(dir, '.config')) || existsSync(path.join(dir, 'include', 'config'));
}

/** "6.1.192" from the top Makefile's VERSION/PATCHLEVEL/SUBLEVEL/EXTRAVERSION. */
export function makefileVersion(makefile: string): string | undefined {
  const get = (k: string): string | undefined => new RegExp(`^${k}\\s*=[ \\t]*(\\S*)[ \\t]*$`, 'm').exec(makefile)?.[1];
  const [v, p, s] = [get('VERSION'), get('PATCHLEVEL'), get('SUBLEVEL')];
  if (!v || !p || s === undefined) return undefined;
  return `${v}.${p}.${s || '0'}${get('EXTRAVERSION') ?? ''}`;
}
