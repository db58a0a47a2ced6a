// A kernel profile: version plus feature switches, read from the build's
// manifest (images/manifest.json: kernels.<name>.profile), never guessed.

export interface Profile {
  name: string;
  version: string;
  /** Feature switches such as leaseCloseShutdown, mapDirect. Absent = off. */
  features: Readonly<Record<string, boolean>>;
}

/** Switches the model knows; a scenario may require any name, the model acts on these. */
export const KNOWN_FEATURES = ['leaseCloseShutdown', 'mapDirect'] as const;

export class ProfileError extends Error {}

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function asProfile(x: unknown, where: string): Profile {
  if (!isRecord(x)) throw new ProfileError(`${where}: expected an object {name, version, features}`);
  const { name, version, features } = x;
  if (typeof name !== 'string' || name === '') throw new ProfileError(`${where}.name: expected a non-empty string`);
  if (typeof version !== 'string' || version === '') throw new ProfileError(`${where}.version: expected a non-empty string`);
  const feats: Record<string, boolean> = {};
  if (features !== undefined) {
    if (!isRecord(features)) throw new ProfileError(`${where}.features: expected an object of booleans`);
    for (const [k, v] of Object.entries(features)) {
      if (typeof v !== 'boolean') throw new ProfileError(`${where}.features.${k}: expected true or false`);
      feats[k] = v;
    }
  }
  return { name, version, features: feats };
}

/**
 * Reads a profile from a parsed manifest. Accepts the whole manifest (with
 * `kernel` naming the entry under `kernels`) or a bare profile object.
 */
export function profileFromManifest(manifest: unknown, kernel?: string): Profile {
  if (isRecord(manifest) && isRecord(manifest['kernels'])) {
    const kernels = manifest['kernels'];
    const names = Object.keys(kernels);
    const key = kernel ?? (names.length === 1 ? names[0] : undefined);
    if (key === undefined) throw new ProfileError(`manifest has kernels ${names.join(', ')}; name one`);
    const entry = kernels[key];
    if (!isRecord(entry)) throw new ProfileError(`manifest has no kernel "${key}"; it has ${names.join(', ')}`);
    return asProfile(entry['profile'], `kernels.${key}.profile`);
  }
  return asProfile(manifest, 'profile');
}

export function hasFeature(p: Profile, f: string): boolean {
  return p.features[f] === true;
}

/** Features a scenario requires that the profile lacks. */
export function missingFeatures(p: Profile, required: readonly string[]): string[] {
  return required.filter((f) => !hasFeature(p, f));
}
