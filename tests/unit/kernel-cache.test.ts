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
