import { fileURLToPath } from 'node:url';
import path from 'node:path';

// Every build output lives under images/ of this checkout (git-ignored).
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const imagesDir = path.join(repoRoot, 'images');
export const guestDir = path.join(repoRoot, 'guest');
export const probesBuildDir = path.join(guestDir, 'probes', 'build');
