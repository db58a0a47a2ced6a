import t from 'tap';
import fc from 'fast-check';
import { parseScenario, formatScenarioError } from '../../src/scenario/parse.js';
import { printScenario } from '../../src/scenario/print.js';
import { ScenarioBuilder } from '../../src/scenario/builders.js';
import { OPEN_FLAGS, SIGNALS } from '../../src/scenario/flags.js';
import type { Scenario } from '../../src/scenario/ast.js';

const strip = (sc: Scenario): unknown => JSON.parse(JSON.stringify({ ...sc, file: '' }, (k, v) => (k === 'line' ? 0 : v)));

const openBits = [...new Set([...OPEN_FLAGS.values()].filter((v) => v !== 0 && v !== 1 && v !== 2))];
const arbFlags = fc.tuple(fc.constantFrom(0, 1, 2), fc.subarray(openBits)).map(([acc, bits]) => bits.reduce((a, b) => a | b, acc) >>> 0);
const arbBytes = fc.array(fc.integer({ min: 0, max: 255 }), { maxLength: 40 }).map((a) => String.fromCharCode(...a));
const arbPath = fc.stringMatching(/^[a-z][a-z0-9_.-]{0,8}(\/[a-z0-9_]{1,6})?$/);
const arbSig = fc.integer({ min: 1, max: 64 }).filter((n) => n !== 32 && n !== 33);

t.test('parse(print(ast)) = ast for generated scenarios', async (t) => {
  fc.assert(
    fc.property(arbFlags, arbBytes, arbPath, arbSig, fc.integer({ min: 0, max: 99 }), fc.integer({ min: 1, max: 100000 }), (flags, bytes, path, sig, num, ms) => {
      const b = new ScenarioBuilder('gen').sysctl('fs.lease-break-time', 3);
      const a = b.proc('A');
      a.open('f', path, flags, 0o640).expect({ ret: 3 })
        .write('f', bytes)
        .fcntl('f', 'F_SETSIG', sig)
        .fcntl('f', 'F_SETOWN', '-A')
        .dup2('g', 'f', num)
        .waitSignal(ms, sig)
        .close({ stale: 'g' }).expect({ errno: 9 });
      a.fork('B').fcntl('f', 'F_SETLEASE', 'F_RDLCK').sleep(ms);
      const sc = b.build();
      const r = parseScenario(printScenario(sc), 'gen.scenario');
      if (!r.ok) throw new Error(r.errors.map(formatScenarioError).join('\n') + '\n' + printScenario(sc));
      t.same(strip(r.scenario), strip(sc));
      return true;
    }),
    { numRuns: 200 },
  );
  t.ok(SIGNALS.get('SIGIO') === 29);
});

t.test('builders reject what the parser rejects', async (t) => {
  const b = new ScenarioBuilder('bad');
  b.proc('A').close('nope');
  t.throws(() => b.build(), /undefined fd name "nope"/);
  const c = new ScenarioBuilder('bad2');
  c.proc('B').sleep(1);
  t.throws(() => c.build(), /process "B" does not exist/);
});
