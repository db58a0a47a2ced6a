import t from 'tap';
import { profileFromManifest, missingFeatures, ProfileError } from '../../src/model/profile.js';

const manifest = {
  kernels: {
    stock: { profile: { name: 'stock', version: '6.1.192', features: {} } },
    patched: { profile: { name: 'patched', version: '6.1.192', features: { leaseCloseShutdown: true, mapDirect: true } } },
  },
};

t.test('profiles come from the manifest, never guessed', async (t) => {
  t.same(profileFromManifest(manifest, 'stock'), { name: 'stock', version: '6.1.192', features: {} });
  const p = profileFromManifest(manifest, 'patched');
  t.same(missingFeatures(p, ['mapDirect', 'leaseCloseShutdown']), []);
  t.same(missingFeatures(profileFromManifest(manifest, 'stock'), ['mapDirect']), ['mapDirect']);
  t.same(profileFromManifest({ name: 'x', version: '1', features: { a: false } }).features, { a: false });
  t.throws(() => profileFromManifest(manifest), /name one/, 'two kernels: must name one');
  t.ok((() => { try { profileFromManifest(manifest); } catch (e) { return e instanceof ProfileError; } return false; })(), 'typed error');
  t.throws(() => profileFromManifest(manifest, 'nope'), /no kernel "nope"/);
  t.throws(() => profileFromManifest({ kernels: { k: { profile: { name: 'k', version: '1', features: { a: 'yes' } } } } }), /features.a: expected true or false/);
  t.throws(() => profileFromManifest({ version: '1' }), /name/);
});
