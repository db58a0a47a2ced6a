// readlink("/proc/self/fd/N") of a number that is not open: ENOENT (no such
// /proc entry, fs/proc/fd.c proc_lookupfd_common), not EBADF.
import t from 'tap';
import { run, sc, rets } from './fixtures/lease-model.js';

t.test('readlink of a closed, a reused-then-closed and a never-open fd', async (t) => {
  const r = run(sc(`process A
A: w = open "a" O_RDWR|O_CREAT 0644
A: close w
A: f = open "a" O_WRONLY
A: close stale:w
A: readlink f
A: readlink 7
A: g = open "a" O_RDONLY
A: readlink g
`));
  t.same(rets(r).slice(4, 6), ['errno 2', 'errno 2']);
  const last = r.results[7];
  t.ok(last && typeof last === 'object' && last.link === '${dir}/a', 'an open fd still reads back its path');
});
