import t from 'tap';
import { buildKey, configHash, cacheDirFor } from '../../harness/kernel/cache.js';
import { defaultName, checkName, kbuildPins } from '../../harness/kernel/build.js';
import { emptySeries } from '../../harness/kernel/series.js';

const parts = { sourceHash: 's'.repeat(64), seriesHash: 'p'.repeat(64), configHash: 'c'.repeat(64), compiler: 'gcc (Debian 12.2.0-14) 12.2.0; GNU ld 2.40' };

t.test('the build key changes with each input and only with them', async (t) => {
  const k = buildKey(parts);
  t.match(k, /^[0-9a-f]{64}$/);
  t.equal(buildKey({ ...parts }), k, 'deterministic');
  t.equal(buildKey({ compiler: parts.compiler, configHash: parts.configHash, seriesHash: parts.seriesHash, sourceHash: parts.sourceHash }), k, 'field order does not matter');
  const changed = (['sourceHash', 'seriesHash', 'configHash', 'compiler'] as const).map((f) => buildKey({ ...parts, [f]: parts[f] + 'x' }));
  t.equal(new Set([k, ...changed]).size, 5, 'every part is in the key');
  t.match(cacheDirFor(k), new RegExp(`kernels/built/${k.slice(0, 16)}$`));
});

t.test('config hash covers the merged fragment and the base config', async (t) => {
  t.equal(configHash('CONFIG_A=y\n', 'allnoconfig'), configHash('CONFIG_A=y\n', 'allnoconfig'));
  t.not(configHash('CONFIG_A=y\n', 'allnoconfig'), configHash('CONFIG_A=y\nCONFIG_B=y\n', 'allnoconfig'));
  t.not(configHash('CONFIG_A=y\n', 'allnoconfig'), configHash('CONFIG_A=y\n', 'defconfig'));
});

t.test('names: defaults, and stock is never replaced', async (t) => {
  t.equal(defaultName(emptySeries(), 'default'), 'stock-src');
  t.equal(defaultName(emptySeries(), 'debug'), 'stock-src-debug');
  const one = { ...emptySeries(), patches: [{ patch: 'a', strip: 1, line: 1, file: '/a', text: '', features: [], touched: ['x'] }] };
  t.equal(defaultName(one, 'default'), 'patched');
  t.equal(defaultName(one, 'debug'), 'patched-debug');
  t.throws(() => checkName('stock'), { message: /never replaced/ });
  t.throws(() => checkName('Bad Name'), { message: /^--name: 'Bad Name' is not a valid kernel name/ });
  t.doesNotThrow(() => checkName('bisect-1.2_x'));
});

t.test('reproducibility pins do not depend on who or when', async (t) => {
  t.same(kbuildPins, { KBUILD_BUILD_USER: 'vfslab', KBUILD_BUILD_HOST: 'vfslab', KBUILD_BUILD_TIMESTAMP: '1970-01-01 00:00:00 UTC', KBUILD_BUILD_VERSION: '1' });
});

t.test('manifest entry of a built kernel: profile features from the series, build hashes, no modules', async (t) => {
  const { builtEntry } = await import('../../harness/kernel/build.js');
  const key = buildKey(parts);
  const record = {
    key,
    parts,
    release: '6.1.192-vfslab',
    version: '6.1.192',
    flavour: 'default',
    source: 'linux-source-6.1 6.1.192-2',
    series: 'guest/patches/series',
    patches: ['0001-x.patch'],
    features: { leaseCloseShutdown: true },
    builtAt: '2026-01-01T00:00:00.000Z',
    buildSeconds: 300,
    warnings: 0,
  };
  const source = { dir: '/src', hash: parts.sourceHash, describe: record.source, package: 'linux-source-6.1', debianVersion: '6.1.192-2', userTree: false };
  const e = builtEntry('patched', source, record);
  t.same(e.profile, { name: 'patched', version: '6.1.192', features: { leaseCloseShutdown: true } });
  t.equal(e.vmlinuz, `kernels/built/${key.slice(0, 16)}/bzImage`);
  t.equal(e.config, `kernels/built/${key.slice(0, 16)}/config`);
  t.equal(e.release, '6.1.192-vfslab');
  t.same(e.build && { key: e.build.key, series: e.build.seriesHash, config: e.build.configHash, source: e.build.sourceHash }, {
    key,
    series: parts.seriesHash,
    config: parts.configHash,
    source: parts.sourceHash,
  });
  record.features.leaseCloseShutdown = false;
  t.equal(e.profile.features['leaseCloseShutdown'], true, 'the entry holds its own copy');
});
