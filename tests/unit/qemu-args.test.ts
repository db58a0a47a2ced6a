import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { InputError } from '../../harness/errors.js';
import { buildKernelCmdline, buildQemuArgv, TCG_RCU_STALL_S, TCG_WATCHDOG_THRESH_S, type QemuConfig } from '../../harness/qemu/args.js';

const goldenDir = path.join(path.dirname(fileURLToPath(import.meta.url)), '../golden/qemu');
const update = process.env.UPDATE_GOLDEN === '1';

const base: QemuConfig = {
  qemu: 'qemu-system-x86_64',
  kernel: '/images/vmlinuz',
  initrd: '/images/initrd.gz',
  accel: 'tcg',
  pmem: 'nvdimm',
  pmemFile: '/tmp/vfslab-XXXXXX/pmem.img',
  fs: 'ext4',
  dax: 'always',
  sshPort: 10022,
  consoleLog: '/tmp/vfslab-XXXXXX/console.log',
  authorizedKeyB64: 'c3NoLWVkMjU1MTkgQUFBQUMzTnphQzFsWkRJMU5URTVBQUFBSUZha2UgdmZzbGFiCg==',
};

const cases: Record<string, Partial<QemuConfig>> = {
  nvdimm: {},
  'nvdimm-kvm': { accel: 'kvm' },
  virtio: { pmem: 'virtio', fs: 'xfs', dax: 'inode' },
  memmap: { pmem: 'memmap', pmemFile: undefined, dax: 'never' },
  none: { pmem: 'none', pmemFile: undefined, extraCmdline: ['loglevel=5'] },
  'nvdimm-prepared': { prepared: true },
};

for (const [name, over] of Object.entries(cases)) {
  t.test(`golden argv: ${name}`, async (t) => {
    const cfg = { ...base, ...over };
    const got = { cmdline: buildKernelCmdline(cfg), argv: buildQemuArgv(cfg) };
    const file = path.join(goldenDir, `${name}.json`);
    if (update) fs.writeFileSync(file, JSON.stringify(got, null, 2) + '\n');
    t.strictSame(got, JSON.parse(fs.readFileSync(file, 'utf8')), `matches ${path.relative(process.cwd(), file)} (UPDATE_GOLDEN=1 rewrites)`);
  });
}

t.test('argv facts that the recipe depends on', async (t) => {
  const argv = buildQemuArgv(base);
  const after = (flag: string) => argv[argv.indexOf(flag) + 1];
  t.equal(after('-M'), 'q35,nvdimm=on');
  t.equal(after('-m'), '512M,slots=2,maxmem=4G');
  t.match(after('-object'), /mem-path=\/tmp\/vfslab-XXXXXX\/pmem\.img,size=512M$/);
  t.equal(after('-device'), 'nvdimm,id=nv1,memdev=mem1,label-size=128K');
  t.equal(after('-nic'), 'user,model=virtio-net-pci,restrict=on,hostfwd=tcp:127.0.0.1:10022-:22');
  t.equal(after('-serial'), 'file:/tmp/vfslab-XXXXXX/console.log');
  t.equal(after('-append'), buildKernelCmdline(base));
  t.ok(argv.includes('-no-reboot'), 'a panic must end QEMU, not reboot');

  const mm = buildQemuArgv({ ...base, pmem: 'memmap', pmemFile: undefined });
  t.equal(mm[mm.indexOf('-m') + 1], '2G');
  t.notOk(mm.includes('-object'), 'memmap has no backing file');
  t.match(buildKernelCmdline({ ...base, pmem: 'memmap' }), / memmap=512M!1G$/);
  t.equal(buildQemuArgv({ ...base, pmemSizeMiB: 4096 })[buildQemuArgv(base).indexOf('-m') + 1], '512M,slots=2,maxmem=4608M', 'maxmem grows with a big pmem');
});

t.test('the contract cmdline, in order', async (t) => {
  t.equal(
    buildKernelCmdline(base),
    `console=ttyS0 panic=-1 quiet loglevel=5 random.trust_cpu=on cryptomgr.notests ipv6.disable=1 vfslab.pmem=nvdimm vfslab.fs=ext4 vfslab.dax=always vfslab.key=${base.authorizedKeyB64} rcupdate.rcu_cpu_stall_timeout=${TCG_RCU_STALL_S} watchdog_thresh=${TCG_WATCHDOG_THRESH_S}`,
  );
});

t.test('commas in paths are escaped for QemuOpts', async (t) => {
  const argv = buildQemuArgv({ ...base, pmemFile: '/tmp/a,b/pmem.img' });
  t.match(argv[argv.indexOf('-object') + 1], /mem-path=\/tmp\/a,,b\/pmem\.img,/);
});

t.test('bad input is an InputError naming the flag and the valid values', async (t) => {
  const bad: Array<[Partial<QemuConfig>, RegExp]> = [
    [{ pmem: 'pmem' as never }, /^--pmem: .*valid: nvdimm\|memmap\|virtio\|none/],
    [{ fs: 'btrfs' as never }, /^--fs: .*valid: ext4\|xfs/],
    [{ dax: 'sometimes' as never }, /^--dax: .*valid: always\|inode\|never/],
    [{ accel: 'hvf' as never }, /^--accel: /],
    [{ pmemSizeMiB: 256 }, /^--pmem-size: .*>= 300/],
    [{ pmem: 'memmap', memoryMiB: 1024 }, /^--memory: .*>= 1536/],
    [{ pmemFile: undefined }, /^pmem backing file: required for --pmem nvdimm/],
    [{ sshPort: 70000 }, /^ssh port: /],
    [{ extraCmdline: ['a b'] }, /^--append: /],
    [{ extraCmdline: ['x'.repeat(2100)] }, /^--append: kernel command line is \d+ bytes/],
    [{ authorizedKeyB64: 'ssh-ed25519 AAAA' }, /^authorized key: not base64/],
    [{ pmem: 'memmap', pmemFile: undefined, prepared: true }, /^pmem template: .*valid: nvdimm\|virtio/],
  ];
  for (const [over, msg] of bad) {
    const err = t.throws(() => buildQemuArgv({ ...base, ...over })) as unknown;
    t.ok(err instanceof InputError, `InputError for ${JSON.stringify(over).slice(0, 60)}`);
    t.match((err as Error).message, msg);
    t.equal((err as InputError).exitCode, 2);
  }
});

t.test('a QMP socket for diagnosing a hung guest, and the extra-arguments seam', async (t) => {
  const argv = buildQemuArgv({ ...base, qmpSocket: '/tmp/w,x/qmp.sock', extraQemuArgs: ['-S'] });
  t.equal(argv[argv.indexOf('-qmp') + 1], 'unix:/tmp/w,,x/qmp.sock,server=on,wait=off', 'commas escaped, never waits for a client');
  t.equal(argv.at(-1), '-S');
});

t.test('stall detectors scaled up under TCG only', async (t) => {
  const tcg = buildKernelCmdline({ ...base, accel: 'tcg' }).split(' ');
  t.ok(tcg.includes(`rcupdate.rcu_cpu_stall_timeout=${TCG_RCU_STALL_S}`), 'RCU stall timeout under TCG');
  t.ok(tcg.includes(`watchdog_thresh=${TCG_WATCHDOG_THRESH_S}`), 'lockup threshold under TCG');
  t.ok(TCG_RCU_STALL_S > 21 && TCG_RCU_STALL_S <= 300, 'above the kernel default, within its range');
  t.notMatch(buildKernelCmdline({ ...base, accel: 'kvm' }), /rcu_cpu_stall_timeout|watchdog_thresh/, 'KVM keeps the kernel defaults');
});
