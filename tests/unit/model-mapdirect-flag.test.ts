// MAP_DIRECT's value: one bit, the same in the patch's uapi header, the
// runner header and the scenario flag table, and free on stock 6.1.
import t from 'tap';
import { readFileSync, readdirSync } from 'node:fs';
import { MAP_FLAGS } from '../../src/scenario/flags.js';
import { MAP_DIRECT } from '../../src/model/map-direct.js';
import { LEGACY_MAP_MASK, MAP } from '../../src/model/mm-validate.js';

const root = new URL('../../', import.meta.url);
const patchName = readdirSync(new URL('guest/patches/', root)).find((n) => n.startsWith('0002-'));

t.test('the scenario table, the model and the runner header agree', async (t) => {
  t.equal(MAP_FLAGS.get('MAP_DIRECT'), MAP_DIRECT);
  const h = readFileSync(new URL('guest/probes/runner/runner.h', root), 'utf8');
  const m = /#define VFSLAB_MAP_DIRECT (0x[0-9a-f]+)/.exec(h);
  t.ok(m, 'runner.h defines VFSLAB_MAP_DIRECT');
  t.equal(Number(m![1]), MAP_DIRECT);
});

t.test('the patch exports the same bit in asm-generic/mman-common.h', async (t) => {
  t.ok(patchName, 'guest/patches/0002-* exists');
  const p = readFileSync(new URL(`guest/patches/${patchName}`, root), 'utf8');
  const m = /^\+#define MAP_DIRECT\s+(0x[0-9a-f]+)/m.exec(p);
  t.ok(m, 'the patch adds #define MAP_DIRECT');
  t.equal(Number(m![1]), MAP_DIRECT);
  t.match(p, /^Vfslab-Feature: mapDirect$/m);
});

t.test('the bit is one bit, unknown to stock 6.1 (not legacy, not MAP_SYNC / MAP_FIXED_NOREPLACE / MAP_HUGE_*)', async (t) => {
  t.equal(MAP_DIRECT & (MAP_DIRECT - 1), 0);
  t.equal(MAP_DIRECT & LEGACY_MAP_MASK, 0);
  t.equal(MAP_DIRECT & (MAP.SYNC | MAP.FIXED_NOREPLACE | MAP.TYPE), 0);
  t.ok(MAP_DIRECT < 1 << 26, 'below MAP_HUGE_SHIFT');
});
