// FIONREAD and poll as the model derives them (src/model/fanotify-fdquery.ts,
// fanotify-len.ts), no VM: sums of fanotify_event_len over the notification
// list, POLLIN|POLLRDNORM while it is non-empty, regular files and bad fds.
import t from 'tap';
import { at, profile, sc } from './fixtures/fanotify-predict.js';
import { predict } from '../../src/check/predict.js';
import { fidRecordLen, fidHandleBytes } from '../../src/model/fanotify-len.js';

const prep = 'L: w = open "f" O_RDWR|O_CREAT 0644\nL: close w\n';

t.test('fd mode: 24 per queued event, read events no longer count', async (t) => {
  const s = `${prep}L: g = fanotify_init FAN_NONBLOCK O_RDONLY\nL: fionread g\nL: fanotify_mark g FAN_MARK_ADD FAN_OPEN "f"\nL: fork A\nL: fork B\nA: a = open "f" O_RDONLY\nB: b = open "f" O_RDONLY\nL: fionread g\nL: e = fanotify_read g 24\nL: fionread g`;
  t.same(at(s, 4), ['done ret=0 errno=0'], 'empty group');
  t.same(at(s, 10), ['done ret=48 errno=0']);
  t.same(at(s, 12), ['done ret=24 errno=0']);
});

t.test('the overflow event counts; read permission events do not', async (t) => {
  const ov = `${prep}L: sysctl fs.fanotify.max_queued_events 1\nL: g = fanotify_init FAN_NONBLOCK O_RDONLY\nL: fanotify_mark g FAN_MARK_ADD FAN_OPEN "f"\nL: fork A\nL: fork B\nA: a = open "f" O_RDONLY\nB: b = open "f" O_RDONLY\nL: fionread g`;
  t.same(at(ov, 10), ['done ret=48 errno=0'], 'one event + FAN_Q_OVERFLOW');
  const perm = `${prep}L: g = fanotify_init FAN_CLASS_CONTENT|FAN_NONBLOCK O_RDONLY\nL: fanotify_mark g FAN_MARK_ADD FAN_OPEN_PERM "f"\nL: fork O\nO: x = open "f" O_RDONLY\nL: fionread g\nL: poll g\nL: p = fanotify_read g 4096\nL: fionread g\nL: poll g`;
  t.same(at(perm, 7), ['done ret=24 errno=0']);
  t.same(at(perm, 8), ['done ret=65 errno=0'], 'POLLIN|POLLRDNORM');
  t.same(at(perm, 10), ['done ret=0 errno=0'], 'on the access list');
  t.same(at(perm, 11), ['done ret=0 errno=0']);
});

t.test('FID records: 20 + handle + name + NUL, aligned to 4, per filesystem', async (t) => {
  t.equal(fidRecordLen(8, 0), 28, 'ext4 FID record (observed len 28)');
  t.equal(fidRecordLen(8, 7), 36, 'ext4 DFID_NAME "newfile" (observed len 36)');
  t.equal(fidRecordLen(8, 1), 32);
  t.equal(fidHandleBytes({ pmem: 'nvdimm', fs: 'ext4', dax: 'always' }), 8);
  t.equal(fidHandleBytes({ pmem: 'nvdimm', fs: 'xfs', dax: 'always' }), 12);
  const s = 'L: mkdir "d" 0755\nL: g = fanotify_init FAN_NONBLOCK|FAN_REPORT_DIR_FID|FAN_REPORT_NAME O_RDONLY\nL: fanotify_mark g FAN_MARK_ADD FAN_CREATE "d"\nL: fork O\nO: x = open "d/newfile" O_WRONLY|O_CREAT 0644\nO: y = open "d/a" O_WRONLY|O_CREAT 0644\nL: fionread g\nL: e = fanotify_read g 70\nL: fionread g';
  t.same(at(s, 7), ['done ret=116 errno=0'], 'ext4: 60 + 56');
  t.match(at(s, 8)[0], /done ret=60 /, 'a 70-byte buffer takes the first event only');
  t.same(at(s, 9), ['done ret=56 errno=0']);
  t.same(at(s, 7, 'setup fs=xfs\n'), ['done ret=124 errno=0'], 'xfs: 64 + 60');
  t.same(at('L: mkdir "d" 0755\nL: g = fanotify_init FAN_NONBLOCK|FAN_REPORT_DIR_FID|FAN_REPORT_NAME O_RDONLY\nL: fanotify_mark g FAN_MARK_ADD FAN_CREATE "d"\nL: fork O\nO: x = open "d/newfile" O_WRONLY|O_CREAT 0644\nL: e = fanotify_read g 59', 6), ['done ret=-1 errno=EINVAL'], 'a FID event that does not fit');
});

t.test('poll: empty 0, queued 0x41, regular file DEFAULT_POLLMASK, closed fd POLLNVAL', async (t) => {
  const s = 'L: w = open "f" O_RDWR|O_CREAT 0644\nL: g = fanotify_init FAN_NONBLOCK O_RDONLY\nL: poll g\nL: fanotify_mark g FAN_MARK_ADD FAN_MODIFY "f"\nL: write w "x"\nL: poll g 1s\nL: poll w\nL: e = fanotify_read g 4096\nL: close e\nL: poll stale:e';
  t.same(at(s, 3), ['done ret=0 errno=0']);
  t.same(at(s, 6), ['done ret=65 errno=0'], 'ready: the timeout does not matter');
  t.same(at(s, 7), ['done ret=325 errno=0']);
  t.same(at(s, 10), ['done ret=32 errno=0']);
  t.match(at('L: g = fanotify_init FAN_NONBLOCK O_RDONLY\nL: poll g 100ms', 2)[0], /unmodelled: .*poll that waits/, 'a waiting poll is not modelled');
});

t.test('FIONREAD of files: i_size - f_pos (negative past EOF), directory ENOTTY, closed EBADF', async (t) => {
  const s = 'L: w = open "f" O_RDWR|O_CREAT 0644\nL: write w "hello"\nL: fionread w\nL: lseek w 1 SEEK_SET\nL: fionread w\nL: lseek w 9 SEEK_SET\nL: fionread w\nL: mkdir "d" 0755\nL: d = open "d" O_RDONLY|O_DIRECTORY\nL: fionread d\nL: close w\nL: fionread stale:w';
  t.same(at(s, 3), ['done ret=0 errno=0']);
  t.same(at(s, 5), ['done ret=4 errno=0']);
  t.same(at(s, 7), ['done ret=-4 errno=0']);
  t.same(at(s, 10), ['done ret=-1 errno=ENOTTY']);
  t.same(at(s, 12), ['done ret=-1 errno=EBADF']);
});

t.test('directory events in DFID_NAME mode are reported as DFID_NAME "."', async (t) => {
  const s = 'L: mkdir "d" 0755\nL: g = fanotify_init FAN_NONBLOCK|FAN_REPORT_DIR_FID|FAN_REPORT_NAME O_RDONLY\nL: fanotify_mark g FAN_MARK_ADD FAN_OPEN|FAN_ONDIR "d"\nL: fork O\nO: x = open "d" O_RDONLY|O_DIRECTORY\nL: e = fanotify_read g 4096';
  const p = predict(sc(s), profile);
  t.equal(p.unmodelled, null);
  t.match(at(s, 6)[0], /done ret=56 /, '24 + record of 20+8+2 -> 32');
});
