// The kernel profile for a run: from images/manifest.json for a named kernel,
// or named explicitly with --profile for a user's bzImage. Never guessed.
import { existsSync, readFileSync } from 'node:fs';
import { readManifest } from '../../harness/image/manifest.js';
import { InputError } from '../../harness/errors.js';
import { profileFromManifest, ProfileError, type Profile } from '../model/profile.js';

export async function resolveProfile(kernel: string, profileArg: string | undefined): Promise<Profile> {
  const manifest = await readManifest();
  const isPath = kernel.includes('/') || existsSync(kernel);
  const source = profileArg ?? (isPath ? undefined : kernel);
  if (source === undefined) {
    throw new InputError('--profile', `needed with --kernel ${kernel} (a bzImage carries no manifest)`, `${Object.keys(manifest.kernels).join('|')} or a JSON file {name, version, features}`);
  }
  try {
    if (source.endsWith('.json') || source.includes('/')) {
      if (!existsSync(source)) throw new InputError('--profile', `${source}: no such file`, 'a JSON profile file or a kernel name from images/manifest.json');
      return profileFromManifest(JSON.parse(readFileSync(source, 'utf8')));
    }
    if (!manifest.kernels[source]) {
      throw new InputError('--profile', `no kernel named '${source}' in images/manifest.json`, Object.keys(manifest.kernels).join('|') || 'run make setup');
    }
    return profileFromManifest(manifest, source);
  } catch (e) {
    if (e instanceof ProfileError) throw new InputError('--profile', e.message);
    throw e;
  }
}
