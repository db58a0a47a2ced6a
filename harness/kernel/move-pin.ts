// npm run pin -- --latest | VERSION: moves images/pin.json to a Debian kernel
// version the archive offers for both the cloud image and linux-source-6.1.
import { readFile, writeFile } from 'node:fs/promises';
import { archiveVersions, imagePackagesOfFlavour } from './apt.js';
import { pinPath, readPin, sourcePackage } from './pin.js';

const arg = process.argv[2];
if (!arg) {
  console.error('usage: npm run pin -- --latest | VERSION   (e.g. 6.1.192-2)');
  process.exit(2);
}
const pin = await readPin();
const sources = await archiveVersions(sourcePackage);
// An image package names its ABI (6.1.0-56); find the one that carries each version.
const images = new Map<string, string>();
for (const pkg of await imagePackagesOfFlavour(pin.flavour)) {
  for (const v of await archiveVersions(pkg)) images.set(v, pkg);
}
const both = sources.filter((v) => images.has(v));
const want = arg === '--latest' ? both[0] : arg;
if (!want || !both.includes(want)) {
  console.error(`pin: ${arg} is not offered for both the image and ${sourcePackage}; offered: ${both.join(', ') || 'none (apt-get update?)'}`);
  process.exit(2);
}
const abi = /^linux-image-(\d+\.\d+\.\d+-\d+)-/.exec(images.get(want)!)![1]!;
const raw = JSON.parse(await readFile(pinPath, 'utf8')) as Record<string, unknown>;
await writeFile(pinPath, JSON.stringify({ ...raw, debianVersion: want, abi }, null, 2) + '\n');
console.log(`pin: ${pin.debianVersion} (${pin.abi}) -> ${want} (${abi}); run make setup`);
