import { execa } from 'execa';

// Thin wrappers over apt: which versions of a package the archive offers.
export async function archiveVersions(pkg: string): Promise<string[]> {
  const r = await execa('apt-cache', ['madison', pkg], { reject: false });
  if (r.exitCode !== 0) return [];
  return r.stdout
    .split('\n')
    .map((l) => l.split('|')[1]?.trim())
    .filter((v): v is string => !!v);
}

/** Image packages of a flavour, e.g. linux-image-6.1.0-56-cloud-amd64-unsigned. */
export async function imagePackagesOfFlavour(flavour: string): Promise<string[]> {
  const r = await execa('apt-cache', ['search', '--names-only', `^linux-image-6\\.1\\.0-[0-9]+-${flavour}-unsigned$`], {
    reject: false,
  });
  return r.stdout
    .split('\n')
    .map((l) => l.split(' ')[0] ?? '')
    .filter((n) => n !== '');
}

export async function aptDownload(pkg: string, version: string, dir: string): Promise<void> {
  await execa('apt-get', ['download', '-q', `${pkg}=${version}`], { cwd: dir });
}
