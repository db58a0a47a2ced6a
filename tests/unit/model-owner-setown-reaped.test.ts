// F_SETOWN / F_SETOWN_EX of a reaped process: ESRCH only when no task uses
// its number any more (find_vpid); the group leader's pid lives on as the
// process group of its children (fs/fcntl.c f_setown, f_setown_ex).
import t from 'tap';
import { sc } from './fixtures/lease-model.js';
import { predict } from '../../src/check/predict.js';

const profile = { name: 'stock', version: '6.1.192', features: {} };

t.test('a reaped group leader can still be named; a reaped child cannot', async (t) => {
  // predict() treats an exited process as reaped once its exit is reported, as the checker does.
  const p = predict(sc(`process A
A: w = open "a" O_RDWR|O_CREAT 0644
A: fork B
A: exit 0
B: f = open "a" O_RDWR
B: fcntl f F_SETOWN A
B: fcntl f F_SETOWN_EX F_OWNER_PID A
B: fork C
C: exit 0
B: fcntl f F_SETOWN C
B: fcntl f F_SETOWN_EX F_OWNER_TID C
B: fcntl f F_SETOWN -A
`), profile);
  const out = p.steps.map((s) => s.outcomes.join(' | '));
  t.same(out.slice(4, 6), ['done ret=0 errno=0', 'done ret=0 errno=0'], "A reaped: its pid is still B's process group");
  t.same(out.slice(8, 10), ['done ret=-1 errno=ESRCH', 'done ret=-1 errno=ESRCH'], 'C reaped: ESRCH');
  t.same(out[10], 'done ret=0 errno=0', 'the group itself stays nameable');
});
