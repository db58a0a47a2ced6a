// The 2022 TOCTOU fix ("locks: fix TOCTOU race when granting write lease"):
// an F_WRLCK is never granted while another struct file has the inode open.
// Generated interleavings of readers opening/closing against lease
// grant/unlock, run through the model; the invariant is checked against the
// model's own reader/writer counts after every granted F_WRLCK.

import t from 'tap';
import fc from 'fast-check';
import { run, sc } from './fixtures/lease-model.js';

type Act = { k: 'wr' } | { k: 'rd' } | { k: 'un' } | { k: 'open'; r: number; write: boolean } | { k: 'close'; r: number; fd: number };

const act: fc.Arbitrary<Act> = fc.oneof(
  fc.constant<Act>({ k: 'wr' }),
  fc.constant<Act>({ k: 'rd' }),
  fc.constant<Act>({ k: 'un' }),
  fc.record({ k: fc.constant('open' as const), r: fc.integer({ min: 1, max: 3 }), write: fc.boolean() }),
  fc.record({ k: fc.constant('close' as const), r: fc.integer({ min: 1, max: 3 }), fd: fc.integer({ min: 3, max: 5 }) }),
);

function text(acts: Act[]): string {
  const lines = ['sysctl fs.lease-break-time=45', 'process A', 'A: f = open "data" O_RDONLY|O_CREAT 0644', 'A: fork R1', 'A: fork R2', 'A: fork R3', 'R1: close f', 'R2: close f', 'R3: close f'];
  let n = 0;
  for (const a of acts) {
    if (a.k === 'wr') lines.push('A: fcntl f F_SETLEASE F_WRLCK');
    else if (a.k === 'rd') lines.push('A: fcntl f F_SETLEASE F_RDLCK');
    else if (a.k === 'un') lines.push('A: fcntl f F_SETLEASE F_UNLCK');
    else if (a.k === 'open') lines.push(`R${a.r}: r${++n} = open "data" ${a.write ? 'O_WRONLY' : 'O_RDONLY'}|O_NONBLOCK`);
    else lines.push(`R${a.r}: close ${a.fd}`);
  }
  return lines.join('\n') + '\n';
}

t.test('no F_WRLCK is granted while another open file has the inode open', async (t) => {
  let grants = 0;
  let refusals = 0;
  fc.assert(fc.property(fc.array(act, { minLength: 1, maxLength: 40 }), (acts) => {
    const s = sc(text(acts));
    const r = run(s);
    // Replay the open files the readers hold, from the model's own results.
    const held = new Map<string, number>();
    s.steps.forEach((st, i) => {
      const res = r.results[i];
      if (typeof res !== 'object') return;
      if (st.op.kind === 'open' && st.proc !== 'A' && res.ret >= 0) held.set(`${st.proc}:${res.ret}`, 1);
      if (st.op.kind === 'close' && st.proc !== 'A' && res.ret === 0 && st.op.fd.kind === 'num') held.delete(`${st.proc}:${st.op.fd.num}`);
      if (st.op.kind === 'fcntl' && st.op.arg.kind === 'int' && st.op.arg.value === 1 && st.proc === 'A') {
        if (res.ret === 0) {
          grants++;
          if (held.size !== 0) throw new Error(`F_WRLCK granted at step ${i} while ${[...held.keys()].join(', ')} open`);
        } else if (held.size > 0) refusals++;
      }
    });
    return true;
  }), { numRuns: 300, seed: 20221 });
  t.ok(grants > 0, `some write leases granted (${grants})`);
  t.ok(refusals > 0, `some refused because a reader was open (${refusals})`);
});
