// Every hand-pinned expectation in the curated scenarios is a second opinion
// on the model: the model must allow it. (The pins were written from the
// kernel source, independently of the model.)
import t from 'tap';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseScenario, formatScenarioError } from '../../src/scenario/parse.js';
import { predict } from '../../src/check/predict.js';
import { errnoName } from '../../src/scenario/flags.js';

const stock = { name: 'stock', version: '6.1.192', features: {} };
const dir = join(import.meta.dirname, '../scenarios');
const files = readdirSync(dir, { recursive: true }).map(String).filter((f) => f.endsWith('.scenario')).sort();

t.test('the model allows every pinned expectation and models every curated scenario', async (t) => {
  let pins = 0;
  for (const f of files) {
    const r = parseScenario(readFileSync(join(dir, f), 'utf8'), f);
    if (!r.ok) {
      t.fail(r.errors.map(formatScenarioError).join('\n'));
      continue;
    }
    const p = predict(r.scenario, stock);
    t.equal(p.unmodelled, null, `${f} is fully modelled`);
    for (const st of r.scenario.steps) {
      const e = st.expect;
      const ps = p.steps[st.id];
      if (!e || !ps) continue;
      pins++;
      const allowed = ps.outcomes.some((o) => {
        if (e.blocked) return o === 'blocked';
        const m = /ret=(-?\d+) errno=(\w+)/.exec(o);
        if (!m) return false;
        return (e.ret === undefined || Number(m[1]) === e.ret) && (e.errno === undefined || (e.errno === 0 ? '0' : errnoName(e.errno)) === m[2]);
      });
      t.ok(allowed, `${f}:${st.line} pin ${JSON.stringify(e)} in ${JSON.stringify(ps.outcomes)}`);
    }
  }
  t.ok(pins > 150, `${pins} pins checked`);
});
