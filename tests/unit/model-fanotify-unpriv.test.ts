// fanotify without CAP_SYS_ADMIN (after the setuid step), no VM: what
// fanotify_init allows (FID mode, no admin flags; EPERM first), the
// FANOTIFY_UNPRIV group's marks (inode only; read permission) and its events
// (pid 0 unless the reader's own, no fd), per-user max_user_groups.
import t from 'tap';
import { at, profile, sc } from './fixtures/fanotify-predict.js';
import { predict } from '../../src/check/predict.js';

const prep = 'L: w = open "f" O_WRONLY|O_CREAT 0644\nL: close w\nL: v = open "secret" O_WRONLY|O_CREAT 0600\nL: close v\nL: setuid 1000\n';

t.test('fanotify_init without CAP_SYS_ADMIN', async (t) => {
  t.same(at(`${prep}L: a = fanotify_init FAN_NONBLOCK O_RDONLY`, 6), ['done ret=-1 errno=EPERM'], 'no FID mode');
  t.same(at(`${prep}L: a = fanotify_init FAN_CLASS_CONTENT|FAN_REPORT_FID O_RDONLY`, 6), ['done ret=-1 errno=EPERM'], 'a permission class is admin-only (root: EINVAL)');
  t.same(at('L: a = fanotify_init FAN_CLASS_CONTENT|FAN_REPORT_FID O_RDONLY', 1), ['done ret=-1 errno=EINVAL'], 'root gets EINVAL for the same flags');
  t.same(at(`${prep}L: a = fanotify_init FAN_REPORT_FID|FAN_UNLIMITED_MARKS O_RDONLY`, 6), ['done ret=-1 errno=EPERM']);
  t.same(at(`${prep}L: a = fanotify_init 0x100000 O_RDONLY`, 6), ['done ret=-1 errno=EPERM'], 'capability test before flag validation');
  t.same(at(`${prep}L: a = fanotify_init FAN_REPORT_FID|0x100000 O_RDONLY`, 6), ['done ret=-1 errno=EINVAL']);
  t.same(at(`${prep}L: a = fanotify_init FAN_REPORT_FID|FAN_ENABLE_AUDIT O_RDONLY`, 6), ['done ret=-1 errno=EPERM'], 'no CAP_AUDIT_WRITE');
  t.same(at(`${prep}L: a = fanotify_init FAN_REPORT_FID O_RDONLY`, 6), ['done ret=3 errno=0']);
});

t.test('marks of an unprivileged group: inode only, readable objects only', async (t) => {
  const g = `${prep}L: g = fanotify_init FAN_REPORT_FID|FAN_NONBLOCK O_RDONLY\n`;
  t.same(at(`${g}L: fanotify_mark g FAN_MARK_ADD|FAN_MARK_MOUNT FAN_OPEN "f"`, 7), ['done ret=-1 errno=EPERM']);
  t.same(at(`${g}L: fanotify_mark g FAN_MARK_ADD|FAN_MARK_FILESYSTEM FAN_OPEN "f"`, 7), ['done ret=-1 errno=EPERM']);
  t.same(at(`${g}L: fanotify_mark g FAN_MARK_FLUSH|FAN_MARK_MOUNT 0`, 7), ['done ret=-1 errno=EPERM'], 'even a flush of mount marks');
  t.same(at(`${g}L: fanotify_mark g FAN_MARK_ADD FAN_OPEN "secret"`, 7), ['done ret=-1 errno=EACCES']);
  t.same(at(`${g}L: fanotify_mark g FAN_MARK_ADD FAN_OPEN "f"`, 7), ['done ret=0 errno=0']);
  t.same(at('L: w = open "secret" O_WRONLY|O_CREAT 0600\nL: g = fanotify_init FAN_REPORT_FID|FAN_NONBLOCK O_RDONLY\nL: fanotify_mark g FAN_MARK_ADD FAN_OPEN "secret"', 3), ['done ret=0 errno=0'], 'root reads anything');
});

t.test('events of an unprivileged group: pid 0 for others, own pid for itself', async (t) => {
  const s = 'L: w = open "f" O_WRONLY|O_CREAT 0644\nL: close w\nL: fork U\nU: setuid 1000\nU: g = fanotify_init FAN_REPORT_FID|FAN_NONBLOCK O_RDONLY\nU: fanotify_mark g FAN_MARK_ADD FAN_OPEN|FAN_CLOSE_NOWRITE "f"\nL: x = open "f" O_RDONLY\nL: close x\nU: fionread g\nU: e = fanotify_read g 4096\nU: y = open "f" O_RDONLY\nU: e2 = fanotify_read g 4096';
  t.same(at(s, 9), ['done ret=52 errno=0'], '24 + an 8-byte-handle FID record (ext4)');
  const p = predict(sc(s), profile);
  t.equal(p.unmodelled, null);
  const r1 = p.steps.find((x) => x.line === 12)!.outcomes[0]!;
  t.match(r1, /events\[\{mask=0x30 fd=-1 pid=0 info=1\}\]/, 'merged open+close of L: pid 0, no fd');
  const r2 = p.steps.find((x) => x.line === 14)!.outcomes[0]!;
  t.match(r2, /events\[\{mask=0x20 fd=-1 pid=U info=1\}\]/, 'its own open names U');
});

t.test('max_user_groups counts per user', async (t) => {
  const s = 'L: sysctl fs.fanotify.max_user_groups 1\nL: a = fanotify_init FAN_NONBLOCK O_RDONLY\nL: fork U\nU: setuid 1000\nU: b = fanotify_init FAN_REPORT_FID O_RDONLY\nL: c = fanotify_init FAN_NONBLOCK O_RDONLY';
  t.same(at(s, 5), ['done ret=4 errno=0'], "root's group does not count for uid 1000");
  t.same(at(s, 6), ['done ret=-1 errno=EMFILE']);
});

t.test('fanotify_response by a non-root process stays unmodelled', async (t) => {
  t.match(at(`${prep}L: g = fanotify_init FAN_REPORT_FID|FAN_NONBLOCK O_RDONLY\nL: fanotify_response g 5 FAN_ALLOW`, 7)[0], /unmodelled/);
});

t.test('a privileged group read after dropping privileges still gives event fds (no DAC check)', async (t) => {
  const s = 'L: w = open "secret" O_WRONLY|O_CREAT 0600\nL: write w "top"\nL: close w\nL: g = fanotify_init FAN_NONBLOCK O_RDWR\nL: fanotify_mark g FAN_MARK_ADD FAN_OPEN "secret"\nL: fork O\nO: x = open "secret" O_RDONLY\nL: setuid 1000\nL: y = open "secret" O_RDONLY\nL: e = fanotify_read g 4096\nL: read e 10\nL: fanotify_mark g FAN_MARK_ADD FAN_CLOSE "secret"\nL: fanotify_mark g FAN_MARK_ADD|FAN_MARK_MOUNT FAN_CLOSE "secret"';
  t.same(at(s, 9), ['done ret=-1 errno=EACCES'], 'it cannot open the file itself');
  t.match(at(s, 10)[0], /^done ret=24 errno=0 events\[\{mask=0x20 fd=4 pid=O path="\$\{dir\}\/secret" flags=0x4008002/);
  t.match(at(s, 11)[0], /^done ret=3 errno=0/);
  t.same(at(s, 12), ['done ret=-1 errno=EACCES'], 'no read permission for a new mark');
  t.same(at(s, 13), ['done ret=-1 errno=EPERM'], 'no CAP_SYS_ADMIN for a mount mark');
});
