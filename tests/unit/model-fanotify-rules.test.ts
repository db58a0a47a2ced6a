// fanotify rules of the model, one scenario text each, no VM: the model's
// own prediction (src/check/predict.ts) of each step.
import t from 'tap';
import { at, profile, sc } from './fixtures/fanotify-predict.js';
import { predict } from '../../src/check/predict.js';

const prep = 'L: w = open "f" O_RDWR|O_CREAT 0644\nL: close w\n';

t.test('group fd flags: anon inode keeps O_ACCMODE|O_NONBLOCK', async (t) => {
  const s = 'L: g = fanotify_init FAN_NONBLOCK|FAN_CLOEXEC O_RDONLY\nL: fcntl g F_GETFL\nL: fcntl g F_GETFD\nL: readlink g';
  t.same(at(s, 2), ['done ret=2050 errno=0']);
  t.same(at(s, 3), ['done ret=1 errno=0']);
  t.match(at(s, 4)[0], /anon_inode:\[fanotify\]/);
});

t.test('init validation order', async (t) => {
  t.same(at('L: g = fanotify_init FAN_CLASS_CONTENT|FAN_REPORT_FID O_RDONLY', 1), ['done ret=-1 errno=EINVAL']);
  t.same(at('L: g = fanotify_init FAN_CLASS_NOTIF O_PATH', 1), ['done ret=-1 errno=EINVAL']);
  t.same(at('L: g = fanotify_init FAN_CLASS_NOTIF 3', 1), ['done ret=-1 errno=EINVAL']);
  t.same(at('L: g = fanotify_init FAN_REPORT_NAME O_RDONLY', 1), ['done ret=-1 errno=EINVAL']);
});

t.test('close events only at the last fput, with the closer\'s pid', async (t) => {
  const s = `${prep}L: g = fanotify_init FAN_NONBLOCK O_RDONLY\nL: fanotify_mark g FAN_MARK_ADD FAN_CLOSE "f"\nL: x = open "f" O_RDONLY\nL: d = dup x\nL: close x\nL: e = fanotify_read g 4096\nL: close d\nL: e2 = fanotify_read g 4096`;
  t.same(at(s, 8), ['done ret=-1 errno=EAGAIN'], 'no close event while a dup is open');
  t.match(at(s, 10)[0], /ret=24/);
  const p = predict(sc(s), profile);
  t.equal(p.unmodelled, null);
});

t.test('merging: same pid and path merge, other pid does not', async (t) => {
  const same = `${prep}L: g = fanotify_init FAN_NONBLOCK O_RDONLY\nL: fanotify_mark g FAN_MARK_ADD FAN_OPEN|FAN_CLOSE "f"\nL: fork O\nO: x = open "f" O_RDONLY\nO: close x\nL: e, e2 = fanotify_read g 4096`;
  t.match(at(same, 8)[0], /done ret=24 /);
  const other = `${prep}L: g = fanotify_init FAN_NONBLOCK O_RDONLY\nL: fanotify_mark g FAN_MARK_ADD FAN_OPEN "f"\nL: fork A\nL: fork B\nA: x = open "f" O_RDONLY\nB: y = open "f" O_RDONLY\nL: e, e2 = fanotify_read g 4096`;
  t.match(at(other, 9)[0], /done ret=48 /);
});

t.test('overflow at max_events sampled at init', async (t) => {
  const s = `${prep}L: g = fanotify_init FAN_NONBLOCK O_RDONLY\nL: sysctl fs.fanotify.max_queued_events 1\nL: h = fanotify_init FAN_NONBLOCK O_RDONLY\nL: fanotify_mark g FAN_MARK_ADD FAN_OPEN "f"\nL: fanotify_mark h FAN_MARK_ADD FAN_OPEN "f"\nL: fork A\nL: fork B\nA: x = open "f" O_RDONLY\nB: y = open "f" O_RDONLY\nL: e1, e2 = fanotify_read g 4096\nL: f1, f2 = fanotify_read h 4096`;
  t.match(at(s, 12)[0], /ret=48/, 'the old group keeps 16384');
  t.match(at(s, 13)[0], /ret=48/, 'the new group: one event and the overflow');
});

t.test('event fd: flags include __FMODE_NONOTIFY and O_LARGEFILE; I/O through it is silent', async (t) => {
  const s = `${prep}L: g = fanotify_init FAN_NONBLOCK O_RDWR\nL: fanotify_mark g FAN_MARK_ADD FAN_OPEN|FAN_ACCESS|FAN_MODIFY|FAN_CLOSE "f"\nL: fork O\nO: x = open "f" O_RDONLY\nL: e = fanotify_read g 4096\nL: fcntl e F_GETFL\nL: write e "x"\nL: close e\nL: z = fanotify_read g 4096`;
  t.same(at(s, 8), [`done ret=${0x4000000 | 0x8000 | 2} errno=0`]);
  t.same(at(s, 11), ['done ret=-1 errno=EAGAIN']);
});

t.test('permission: blocked, DENY -> EPERM, unknown fd -> ENOENT', async (t) => {
  const s = `${prep}L: g = fanotify_init FAN_CLASS_CONTENT|FAN_NONBLOCK O_RDONLY\nL: fanotify_mark g FAN_MARK_ADD FAN_OPEN_PERM "f"\nL: fork O\nO: x = open "f" O_RDONLY\nL: e = fanotify_read g 4096\nL: fanotify_response g 60 FAN_ALLOW\nL: fanotify_response g e FAN_DENY\nL: await O 1s`;
  t.same(at(s, 6), ['blocked']);
  t.same(at(s, 8), ['done ret=-1 errno=ENOENT']);
  t.same(at(s, 9), ['done ret=8 errno=0']);
  const p = predict(sc(s), profile);
  t.ok(p.steps.find((x) => x.line === 11)?.then.some((x) => /EPERM/.test(x)), 'the opener completes with EPERM');
});

t.test('permission events need a content class', async (t) => {
  t.same(at(`${prep}L: g = fanotify_init FAN_NONBLOCK O_RDONLY\nL: fanotify_mark g FAN_MARK_ADD FAN_OPEN_PERM "f"`, 4), ['done ret=-1 errno=EINVAL']);
});

t.test('closing the group ALLOWs pending permission events', async (t) => {
  const s = `${prep}L: g = fanotify_init FAN_CLASS_CONTENT|FAN_NONBLOCK|FAN_CLOEXEC O_RDONLY\nL: fanotify_mark g FAN_MARK_ADD FAN_OPEN_PERM "f"\nL: fork O\nO: close g\nO: x = open "f" O_RDONLY\nL: close g\nL: await O 1s`;
  const p = predict(sc(s), profile);
  t.ok(p.steps.find((x) => x.line === 11)?.then.some((x) => /completes: ret=3 errno=0/.test(x)) || p.steps.find((x) => x.line === 10)?.then.some((x) => /completes: ret=3 errno=0/.test(x)), "the opener gets fd 3");
});

t.test('ignore mask cleared by FAN_MODIFY unless SURV_MODIFY', async (t) => {
  const s = `${prep}L: g = fanotify_init FAN_NONBLOCK O_RDONLY\nL: fanotify_mark g FAN_MARK_ADD|FAN_MARK_MOUNT FAN_OPEN "."\nL: fanotify_mark g FAN_MARK_ADD|FAN_MARK_IGNORED_MASK FAN_OPEN "f"\nL: fork O\nO: x = open "f" O_RDWR\nL: z = fanotify_read g 4096\nO: write x "a"\nO: y = open "f" O_RDONLY\nL: e = fanotify_read g 4096`;
  t.same(at(s, 8), ['done ret=-1 errno=EAGAIN']);
  t.match(at(s, 11)[0], /ret=24/);
  const surv = s.replace('FAN_MARK_IGNORED_MASK FAN_OPEN', 'FAN_MARK_IGNORED_MASK|FAN_MARK_IGNORED_SURV_MODIFY FAN_OPEN');
  t.same(at(surv, 11), ['done ret=-1 errno=EAGAIN']);
});

t.test('directory marks: children need FAN_EVENT_ON_CHILD, the dir itself FAN_ONDIR', async (t) => {
  const s = 'L: mkdir "d" 0755\nL: w = open "d/f" O_WRONLY|O_CREAT 0644\nL: g = fanotify_init FAN_NONBLOCK O_RDONLY\nL: fanotify_mark g FAN_MARK_ADD FAN_OPEN "d"\nL: x = open "d/f" O_RDONLY\nL: y = open "d" O_RDONLY\nL: z = fanotify_read g 4096';
  t.same(at(s, 7), ['done ret=-1 errno=EAGAIN']);
  t.match(at(s.replace('FAN_OPEN "d"', 'FAN_OPEN|FAN_EVENT_ON_CHILD|FAN_ONDIR "d"').replace('L: z = fanotify_read g 4096', 'L: z, z2 = fanotify_read g 4096'), 7)[0], /ret=48/);
});

t.test('mark errors', async (t) => {
  const base = `${prep}L: g = fanotify_init FAN_NONBLOCK O_RDONLY\n`;
  t.same(at(`${base}L: fanotify_mark g FAN_MARK_REMOVE FAN_OPEN "f"`, 4), ['done ret=-1 errno=ENOENT']);
  t.same(at(`${base}L: fanotify_mark g FAN_MARK_ADD FAN_CREATE "."`, 4), ['done ret=-1 errno=EINVAL']);
  t.same(at(`${base}L: fanotify_mark g FAN_MARK_ADD|FAN_MARK_ONLYDIR FAN_OPEN "f"`, 4), ['done ret=-1 errno=ENOTDIR']);
  t.same(at(`${base}L: fanotify_mark g FAN_MARK_ADD 0 "f"`, 4), ['done ret=-1 errno=EINVAL']);
  t.same(at(`L: mkdir "d" 0755\nL: g = fanotify_init FAN_NONBLOCK O_RDONLY\nL: fanotify_mark g FAN_MARK_ADD|FAN_MARK_IGNORE FAN_OPEN "d"`, 3), ['done ret=-1 errno=EISDIR']);
});
