// Binary search over series prefixes with fake tests: every position of the
// changing patch is found, within ceil(log2 n) + 1 tests unless the answer is
// the last patch (or none), and untestable prefixes are stepped around.
import t from 'tap';
import { pickPoint, searchSeries } from '../../harness/bisect/series-search.js';
import type { Outcome } from '../../harness/bisect/verdict.js';

const fake = (first: number | null, skip: Set<number> = new Set()) => {
  const calls: number[] = [];
  const test = async (k: number) => {
    calls.push(k);
    const outcome: Outcome = skip.has(k) ? 'skip' : first !== null && k >= first ? 'bad' : 'good';
    return { outcome, built: true };
  };
  return { calls, test };
};

t.test('finds every planted position, within the bound', async (t) => {
  for (let n = 1; n <= 17; n++) {
    for (let first = 1; first <= n + 1; first++) {
      const planted = first <= n ? first : null;
      const f = fake(planted);
      const r = await searchSeries(n, f.test);
      t.equal(r.first, planted, `n=${n} planted=${planted}`);
      t.equal(new Set(f.calls).size, f.calls.length, 'no prefix tested twice');
      const bound = planted !== null && planted < n ? Math.ceil(Math.log2(n)) + 1 : Math.ceil(Math.log2(n)) + 2;
      t.ok(r.builds <= bound, `n=${n} planted=${planted}: ${r.builds} builds <= ${bound}`);
    }
  }
});

t.test('eight patches, the seventh planted: four tests', async (t) => {
  const f = fake(7);
  const r = await searchSeries(8, f.test);
  t.equal(r.first, 7);
  t.same(f.calls, [0, 4, 6, 7]);
  t.ok(r.builds <= Math.ceil(Math.log2(8)) + 1);
});

t.test('a base that cannot be tested stops the search', async (t) => {
  const r = await searchSeries(8, fake(3, new Set([0])).test);
  t.equal(r.first, null);
  t.match(r.problem, /base/);
});

t.test('untestable prefixes are stepped around; when they hide the answer, the range is given', async (t) => {
  const around = fake(7, new Set([4]));
  const r1 = await searchSeries(8, around.test);
  t.equal(r1.first, 7, 'found around a skipped midpoint');
  t.same(around.calls.slice(0, 3), [0, 4, 3], 'the nearest untested point next');
  const r2 = await searchSeries(8, fake(5, new Set([4])).test);
  t.equal(r2.first, null, 'a skipped 4 next to the answer: 4 or 5');
  t.same(r2.range, [3, 5]);
  const hidden = await searchSeries(8, fake(5, new Set([4, 3, 2, 1])).test);
  t.equal(hidden.first, null);
  t.same(hidden.range, [0, 5]);
  t.match(hidden.problem, /one of 1\.\.5/);
});

t.test('pickPoint: nearest untested point inside (lo, hi)', async (t) => {
  t.equal(pickPoint(0, 8, new Map()), 4);
  t.equal(pickPoint(0, 8, new Map([[4, 'skip']])), 3);
  t.equal(pickPoint(4, 5, new Map()), undefined);
});
