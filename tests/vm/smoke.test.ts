// The foundation's promise, per backend and filesystem: the smoke probe's view
// of DAX, MAP_SYNC, fanotify and leases on a real guest. Expectations here are
// the documented device properties (behaviours.md MS/DX rows), not the model.
import t from 'tap';
import { launchGuest } from '../../harness/launch.js';
import type { DaxMode, FsType, PmemBackend } from '../../harness/qemu/args.js';

interface Smoke {
  release: string;
  device: string;
  fstype: string;
  options: string;
  statx_dax: boolean;
  mmap_sync: { ret: number; err: string };
  setlease_rdlck: { ret: number; err: string };
  getlease: { ret: number };
  fanotify_init: { ret: number; err: string };
  fanotify_mark: { ret: number; err: string };
}

interface Case {
  pmem: PmemBackend;
  fs: FsType;
  dax: DaxMode;
  /** A new file is a DAX inode. */
  dax_file: boolean;
  /** MAP_SYNC needs a DAX inode on a synchronous device: virtio-pmem is not. */
  map_sync: 'ok' | 'EOPNOTSUPP';
}

const cases: Case[] = [
  { pmem: 'nvdimm', fs: 'ext4', dax: 'always', dax_file: true, map_sync: 'ok' },
  { pmem: 'nvdimm', fs: 'xfs', dax: 'always', dax_file: true, map_sync: 'ok' },
  { pmem: 'memmap', fs: 'ext4', dax: 'always', dax_file: true, map_sync: 'ok' },
  { pmem: 'memmap', fs: 'xfs', dax: 'always', dax_file: true, map_sync: 'ok' },
  { pmem: 'virtio', fs: 'ext4', dax: 'always', dax_file: true, map_sync: 'EOPNOTSUPP' },
  { pmem: 'virtio', fs: 'xfs', dax: 'always', dax_file: true, map_sync: 'EOPNOTSUPP' },
  { pmem: 'nvdimm', fs: 'ext4', dax: 'never', dax_file: false, map_sync: 'EOPNOTSUPP' },
  // dax=inode: a new file in a directory without FS_XFLAG_DAX is not DAX.
  { pmem: 'nvdimm', fs: 'xfs', dax: 'inode', dax_file: false, map_sync: 'EOPNOTSUPP' },
  { pmem: 'nvdimm', fs: 'ext4', dax: 'inode', dax_file: false, map_sync: 'EOPNOTSUPP' },
  { pmem: 'virtio', fs: 'xfs', dax: 'never', dax_file: false, map_sync: 'EOPNOTSUPP' },
];

for (const c of cases) {
  t.test(`${c.pmem} ${c.fs} dax=${c.dax}`, async (t) => {
    const { guest } = await launchGuest({ pmem: c.pmem, fs: c.fs, dax: c.dax });
    t.teardown(() => guest.shutdown());
    const mounts = await guest.exec('cat /proc/mounts');
    t.match(mounts.stdout, new RegExp(`^/dev/pmem0 /mnt/pmem ${c.fs} `, 'm'), 'pmem mounted at /mnt/pmem');
    const r = await guest.exec('/opt/vfslab/bin/smoke /mnt/pmem');
    t.equal(r.code, 0, `smoke exits 0 (stderr: ${r.stderr})`);
    const s = JSON.parse(r.stdout) as Smoke;
    t.match(s.release, /^6\.1\./, 'a 6.1 kernel');
    t.equal(s.device, '/dev/pmem0');
    t.equal(s.fstype, c.fs);
    // dax=inode is the default and xfs (xfs_showargs) prints only always/never.
    if (c.dax === 'inode') t.notMatch(s.options, /dax(=always|=never)?(,|$)/, 'mounted dax=inode (not shown)');
    else t.match(s.options, c.dax === 'always' ? /dax(=always)?(,|$)/ : /dax=never/, `mounted dax=${c.dax}`);
    t.equal(s.statx_dax, c.dax_file, `statx STATX_ATTR_DAX is ${c.dax_file}`);
    if (c.map_sync === 'ok') t.equal(s.mmap_sync.ret, 0, 'MAP_SHARED_VALIDATE|MAP_SYNC maps');
    else t.same([s.mmap_sync.ret, s.mmap_sync.err], [-1, c.map_sync], `MAP_SYNC fails with ${c.map_sync}`);
    t.equal(s.fanotify_init.ret >= 0, true, `fanotify_init works (${s.fanotify_init.err})`);
    t.equal(s.fanotify_mark.ret, 0, `fanotify_mark on the mount works (${s.fanotify_mark.err})`);
    t.equal(s.setlease_rdlck.ret, 0, `F_SETLEASE F_RDLCK works (${s.setlease_rdlck.err})`);
    t.equal(s.getlease.ret, 0, 'F_GETLEASE reports F_RDLCK (0)');
    t.same(guest.oopses(), [], 'no oops on the console');
  });
}
