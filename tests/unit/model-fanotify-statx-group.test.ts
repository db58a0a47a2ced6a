// statx of a fanotify group fd: the shared anon inode (fs/libfs.c
// alloc_anon_inode): mode 0600 without type bits, nlink 1, size 0.
import t from 'tap';
import { run, sc } from './fixtures/lease-model.js';

t.test('statx of a group fd, directly and through a stale name whose number it reused', async (t) => {
  const r = run(sc(`process A
A: g = fanotify_init FAN_CLASS_NOTIF|FAN_NONBLOCK O_RDONLY
A: statx g
A: f = open "a" O_RDWR|O_CREAT 0644
A: close f
A: h = fanotify_init FAN_CLASS_NOTIF|FAN_NONBLOCK O_RDONLY
A: statx stale:f
`));
  for (const i of [1, 5]) {
    const x = r.results[i];
    t.ok(x && typeof x === 'object', `step ${i} completed`);
    if (x && typeof x === 'object') t.same(x.statx, { mode: 0o600, nlink: 1, size: 0 }, `step ${i}: the anon inode`);
  }
});
