import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { imagesDir } from '../paths.js';

// images/pin.json: one Debian version for both the stock image and
// linux-source-6.1, so "patched" is exactly "stock + guest/patches".
export interface KernelPin {
  debianVersion: string; // e.g. 6.1.192-2
  abi: string; // e.g. 6.1.0-56
  flavour: string; // cloud-amd64
}

export const pinPath = path.join(imagesDir, 'pin.json');

export async function readPin(): Promise<KernelPin> {
  const raw = JSON.parse(await readFile(pinPath, 'utf8')) as Partial<KernelPin>;
  for (const k of ['debianVersion', 'abi', 'flavour'] as const) {
    if (typeof raw[k] !== 'string' || raw[k] === '') {
      throw new Error(`${pinPath}: field "${k}" must be a non-empty string`);
    }
  }
  return raw as KernelPin;
}

export const imagePackage = (p: KernelPin): string => `linux-image-${p.abi}-${p.flavour}-unsigned`;
export const sourcePackage = 'linux-source-6.1';
export const kernelRelease = (p: KernelPin): string => `${p.abi}-${p.flavour}`;
/** 6.1.192-2 -> 6.1.192: the upstream version a profile names. */
export const upstreamVersion = (p: KernelPin): string => p.debianVersion.replace(/-[^-]+$/, '');
