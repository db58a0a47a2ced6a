// The kernel pin: a version the archive no longer offers is reported with the
// command that moves the pin; the committed pin is one the archive offers.
import t from 'tap';
import { checkPinInArchive, PinUnavailableError, stockEntry } from '../../harness/kernel/stock.js';
import { imagePackage, kernelRelease, readPin, upstreamVersion } from '../../harness/kernel/pin.js';

t.test('names derived from the pin', async (t) => {
  const pin = { debianVersion: '6.1.192-2', abi: '6.1.0-56', flavour: 'cloud-amd64' };
  t.equal(imagePackage(pin), 'linux-image-6.1.0-56-cloud-amd64-unsigned');
  t.equal(kernelRelease(pin), '6.1.0-56-cloud-amd64');
  t.equal(upstreamVersion(pin), '6.1.192');
  const e = stockEntry(pin, '/x/images/kernels/stock-6.1.192-2');
  t.equal(e.profile.name, 'stock');
  t.same(e.profile.features, {}, 'the stock kernel has none of our features');
});

t.test('a pin gone from the archive names the fix', async (t) => {
  const err = await checkPinInArchive({ debianVersion: '6.1.1-0vanished', abi: '6.1.0-56', flavour: 'cloud-amd64' }).catch((e: unknown) => e);
  t.ok(err instanceof PinUnavailableError);
  t.match((err as Error).message, /pinned kernel 6\.1\.1-0vanished is gone from the archive.*npm run pin -- --latest/);
});

t.test('the committed pin is in the archive (apt lists are local)', async (t) => {
  await t.resolves(checkPinInArchive(await readPin()));
});
