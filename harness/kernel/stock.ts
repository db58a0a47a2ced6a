import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, rename } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { imagesDir } from '../paths.js';
import { readManifest, updateManifest, type KernelEntry } from '../image/manifest.js';
import { aptDownload, archiveVersions } from './apt.js';
import { imagePackage, kernelRelease, readPin, sourcePackage, upstreamVersion, type KernelPin } from './pin.js';

export class PinUnavailableError extends Error {
  readonly exitCode = 2;
}

/** Fails with the command that moves the pin when the archive no longer has it. */
export async function checkPinInArchive(pin: KernelPin): Promise<void> {
  for (const pkg of [imagePackage(pin), sourcePackage]) {
    const offered = await archiveVersions(pkg);
    if (!offered.includes(pin.debianVersion)) {
      const seen = offered.length ? offered.join(', ') : 'nothing (is `apt-get update` done?)';
      throw new PinUnavailableError(
        `setup: pinned kernel ${pin.debianVersion} is gone from the archive: ${pkg} is offered as ${seen}. ` +
          `Move the pin with: npm run pin -- --latest   (or: npm run pin -- VERSION)`,
      );
    }
  }
}

export function stockEntry(pin: KernelPin, dir: string): KernelEntry {
  const release = kernelRelease(pin);
  const rel = path.relative(imagesDir, dir);
  return {
    package: imagePackage(pin),
    debianVersion: pin.debianVersion,
    release,
    vmlinuz: path.join(rel, 'boot', `vmlinuz-${release}`),
    modulesDir: rel,
    config: path.join(rel, 'boot', `config-${release}`),
    // The stock kernel carries none of our patch series' features.
    profile: { name: 'stock', version: upstreamVersion(pin), features: {} },
  };
}

/** Fetches and unpacks the pinned stock kernel unless the manifest says it is there. */
export async function ensureStockKernel(log: (s: string) => void): Promise<KernelEntry> {
  const pin = await readPin();
  const dir = path.join(imagesDir, 'kernels', `stock-${pin.debianVersion}`);
  const want = stockEntry(pin, dir);
  const have = (await readManifest()).kernels['stock'];
  if (have && have.debianVersion === pin.debianVersion && existsSync(path.join(imagesDir, have.vmlinuz))) {
    log(`setup: stock kernel ${have.release} (${have.debianVersion}): present, nothing to do`);
    return have;
  }
  await checkPinInArchive(pin);
  log(`setup: fetching ${want.package}=${pin.debianVersion}`);
  await mkdir(imagesDir, { recursive: true });
  const work = await mkdtemp(path.join(imagesDir, '.fetch-'));
  try {
    await aptDownload(want.package, pin.debianVersion, work);
    const deb = (await readdir(work)).find((f) => f.endsWith('.deb'));
    if (!deb) throw new Error(`setup: apt-get download of ${want.package} produced no .deb`);
    const root = path.join(work, 'root');
    await execa('dpkg-deb', ['-x', path.join(work, deb), root]);
    // The package ships no modules.dep (its postinst makes it): make ours.
    await execa('depmod', ['-b', root, want.release]);
    await rm(dir, { recursive: true, force: true });
    await mkdir(path.dirname(dir), { recursive: true });
    await rename(root, dir);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  await updateManifest((m) => {
    m.kernels['stock'] = want;
  });
  log(`setup: stock kernel ${want.release} unpacked under ${path.relative(process.cwd(), dir)}`);
  return want;
}
