// Limits in the model, no VM: RLIMIT_NOFILE at create_fd (the event is
// destroyed or, a permission event, DENIED; the read returns what it copied
// or EMFILE), at fanotify_init (EMFILE), max_user_marks (ENOSPC, per user,
// FAN_UNLIMITED_MARKS exempt), and writable event fds of directories.
import t from 'tap';
import { at, profile, sc } from './fixtures/fanotify-predict.js';
import { predict } from '../../src/check/predict.js';

const prep = 'L: w = open "f" O_RDWR|O_CREAT 0644\nL: close w\n';
const three = `${prep}L: g = fanotify_init FAN_NONBLOCK O_RDONLY\nL: fanotify_mark g FAN_MARK_ADD FAN_OPEN "f"\nL: fork A\nL: fork B\nL: fork C\nA: a = open "f" O_RDONLY\nB: b = open "f" O_RDONLY\nC: c = open "f" O_RDONLY\n`;

t.test('EMFILE at create_fd: copied bytes, then the errno; the failed event is gone', async (t) => {
  const s = `${three}L: setrlimit RLIMIT_NOFILE 5\nL: e1, e2 = fanotify_read g 4096\nL: fionread g\nL: e3 = fanotify_read g 4096\nL: fionread g`;
  t.match(at(s, 12)[0], /^done ret=24 errno=0 events\[\{mask=0x20 fd=4 pid=A /);
  t.same(at(s, 13), ['done ret=24 errno=0'], "B's event was destroyed, C's is left");
  t.same(at(s, 14), ['done ret=-1 errno=EMFILE']);
  t.same(at(s, 15), ['done ret=0 errno=0'], "C's event is gone too");
});

t.test('EMFILE on a permission event denies it', async (t) => {
  const s = `${prep}L: g = fanotify_init FAN_CLASS_CONTENT|FAN_NONBLOCK O_RDONLY\nL: fanotify_mark g FAN_MARK_ADD FAN_OPEN_PERM "f"\nL: fork O\nO: x = open "f" O_RDONLY\nL: setrlimit RLIMIT_NOFILE 4\nL: p = fanotify_read g 4096\nL: await O 2s`;
  t.same(at(s, 6), ['blocked']);
  t.same(at(s, 8), ['done ret=-1 errno=EMFILE']);
  const p = predict(sc(s), profile);
  t.ok(p.steps.find((x) => x.line === 10)?.then.some((x) => /ret=-1 errno=EPERM/.test(x)) || p.steps.find((x) => x.line === 11)?.then.some((x) => /ret=-1 errno=EPERM/.test(x)), 'the opener gets EPERM');
});

t.test('fanotify_init under the limit -> EMFILE; limits are inherited by fork', async (t) => {
  t.same(at('L: setrlimit RLIMIT_NOFILE 3\nL: g = fanotify_init FAN_NONBLOCK O_RDONLY', 2), ['done ret=-1 errno=EMFILE']);
  t.same(at('L: setrlimit RLIMIT_NOFILE 3\nL: fork C\nC: g = fanotify_init FAN_NONBLOCK O_RDONLY', 3), ['done ret=-1 errno=EMFILE']);
  t.same(at('L: setrlimit RLIMIT_NOFILE 4\nL: g = fanotify_init FAN_NONBLOCK O_RDONLY', 2), ['done ret=3 errno=0']);
});

t.test('other fd allocations at the lowered limit are not modelled', async (t) => {
  t.match(at('L: setrlimit RLIMIT_NOFILE 3\nL: w = open "f" O_RDWR|O_CREAT 0644', 2)[0], /^unmodelled: .*RLIMIT_NOFILE/);
  t.match(at('L: setrlimit RLIMIT_NOFILE 2000', 1)[0], /^unmodelled: .*hard limit/);
});

t.test('max_user_marks: ENOSPC for a new mark, per user, unlimited groups exempt', async (t) => {
  const h = 'sysctl fs.fanotify.max_user_marks=1\n';
  const s = 'L: w = open "f1" O_WRONLY|O_CREAT 0644\nL: v = open "f2" O_WRONLY|O_CREAT 0644\nL: g = fanotify_init FAN_NONBLOCK O_RDONLY\nL: u = fanotify_init FAN_NONBLOCK|FAN_UNLIMITED_MARKS O_RDONLY\nL: fanotify_mark g FAN_MARK_ADD FAN_OPEN "f1"\nL: fanotify_mark g FAN_MARK_ADD FAN_OPEN "f2"\nL: fanotify_mark g FAN_MARK_ADD FAN_CLOSE "f1"\nL: fanotify_mark u FAN_MARK_ADD FAN_OPEN "f2"\nL: fanotify_mark g FAN_MARK_REMOVE FAN_OPEN|FAN_CLOSE "f1"\nL: fanotify_mark g FAN_MARK_ADD FAN_OPEN "f2"';
  t.same(at(s, 5, h), ['done ret=0 errno=0']);
  t.same(at(s, 6, h), ['done ret=-1 errno=ENOSPC']);
  t.same(at(s, 7, h), ['done ret=0 errno=0'], 'an existing mark is updated, not added');
  t.same(at(s, 8, h), ['done ret=0 errno=0'], 'FAN_UNLIMITED_MARKS');
  t.same(at(s, 10, h), ['done ret=0 errno=0'], 'the removed mark freed its slot');
  const users = 'L: w = open "f1" O_WRONLY|O_CREAT 0644\nL: close w\nL: g = fanotify_init FAN_NONBLOCK O_RDONLY\nL: fanotify_mark g FAN_MARK_ADD FAN_OPEN "f1"\nL: fork U\nU: setuid 1000\nU: h = fanotify_init FAN_REPORT_FID|FAN_NONBLOCK O_RDONLY\nU: fanotify_mark h FAN_MARK_ADD FAN_OPEN "f1"';
  t.same(at(users, 8, h), ['done ret=0 errno=0'], "root's mark does not count for uid 1000");
  t.same(at('L: w = open "f1" O_WRONLY|O_CREAT 0644\nL: g = fanotify_init FAN_NONBLOCK O_RDONLY\nL: fanotify_mark g FAN_MARK_ADD FAN_OPEN "f1"', 3), ['done ret=0 errno=0'], 'the default limit is not reached');
});

t.test('a writable event_f_flags gives a writable directory event fd; write EINVAL', async (t) => {
  const s = 'L: mkdir "d" 0755\nL: g = fanotify_init FAN_NONBLOCK O_RDWR\nL: fanotify_mark g FAN_MARK_ADD FAN_OPEN|FAN_ONDIR "d"\nL: fork O\nO: x = open "d" O_RDONLY|O_DIRECTORY\nL: e = fanotify_read g 4096\nL: write e "x"\nL: ftruncate e 0\nL: fallocate e 0 0 4096';
  t.match(at(s, 6)[0], /flags=0x4008002/);
  t.same(at(s, 7), ['done ret=-1 errno=EINVAL']);
  t.same(at(s, 8), ['done ret=-1 errno=EINVAL']);
  t.same(at(s, 9), ['done ret=-1 errno=EISDIR']);
});
