// The runner on this host: the fsxattr op (FS_IOC_FSGETXATTR, and
// FS_IOC_FSSETXATTR with a new fsx_xflags) reports the flags as ret, or the
// ioctl's errno where the filesystem of the host's scratch dir lacks it.
import t from 'tap';
import { O, done, name, open, run, scen } from './fixtures/runner.js';

const s = scen('fsxattr', [
  ['a', open('f', 'file', O.RDWR | O.CREAT)], // 0
  ['a', { kind: 'fsxattr', fd: name('f'), set: null }], // 1
  ['a', { kind: 'fsxattr', fd: name('f'), set: 0 }], // 2
  ['a', { kind: 'close', fd: name('f') }], // 3
  ['a', { kind: 'fsxattr', fd: { kind: 'name', name: 'f', stale: true }, set: null }], // 4
]);

const r = run([s]);
const obs = r.trace.observations;
t.equal(r.code, 0);
const get = done(obs, 1)!;
t.ok(get.ret >= 0 ? get.errno === 0 : get.errname === 'ENOTTY' || get.errname === 'EOPNOTSUPP', `get: ret ${get.ret} ${get.errname}`);
const set = done(obs, 2)!;
t.ok(set.ret === 0 || set.ret === -1, 'set reports 0 or an errno');
if (get.ret >= 0) t.equal(set.ret, 0, 'setting what was read (no flags) works');
t.match(done(obs, 4), { ret: -1, errname: 'EBADF' }, 'a closed fd');
t.notOk(obs.some((o) => o.kind === 'infra'), 'no infra errors');
