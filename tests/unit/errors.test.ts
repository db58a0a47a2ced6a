import t from 'tap';
import {
  BootError,
  GuestInitError,
  InputError,
  KernelMissingError,
  PortBindError,
  QemuDiedError,
  QemuMissingError,
  SshError,
  TimeoutError,
  VfslabError,
} from '../../harness/errors.js';

t.test('kinds, exit codes, one-line messages that say how to fix', async (t) => {
  const tail = Array.from({ length: 30 }, (_, i) => `console line ${i}`).join('\n');
  const cases: Array<[VfslabError, string, RegExp]> = [
    [new InputError('--fs', "unknown value 'btrfs'", 'ext4|xfs'), 'input', /^--fs: unknown value 'btrfs' \(valid: ext4\|xfs\)$/],
    [new QemuMissingError('qemu-system-x86_64'), 'qemu-missing', /run `make setup`/],
    [new KernelMissingError('/images/vmlinuz'), 'kernel-missing', /'\/images\/vmlinuz' not found: run `make setup`/],
    [new KernelMissingError('/images/initrd', 'initrd'), 'kernel-missing', /^guest initrd/],
    [new PortBindError(4, 'ports 1, 2 were taken'), 'port-bind', /after 4 attempt/],
    [new BootError('no VFSLAB-READY within 60000 ms', tail), 'boot', /did not become ready: no VFSLAB-READY/],
    [new QemuDiedError(1, null, 'qemu: boom\n', tail), 'qemu-died', /exited with code 1 unexpectedly: qemu: boom/],
    [new QemuDiedError(null, 'SIGKILL', '', tail, 'kernel-panic on console'), 'qemu-died', /killed by SIGKILL unexpectedly \(kernel-panic on console\)/],
    [new SshError('handshake failed', { consoleTail: tail }), 'ssh', /^SSH to guest: handshake failed$/],
    [new GuestInitError('mkfs.xfs', ['log 1']), 'guest-init', /guest init failed: mkfs\.xfs/],
    [new TimeoutError("guest command 'sleep 9'", 100), 'timeout', /timed out after 100 ms/],
  ];
  for (const [err, kind, msg] of cases) {
    t.equal(err.kind, kind, `${err.name} kind`);
    t.ok(err instanceof VfslabError && err instanceof Error);
    t.match(err.message, msg, `${err.name} message`);
    t.notMatch(err.message, /\n/, `${err.name} message is one line`);
    t.equal(err.exitCode, kind === 'input' ? 2 : 1);
  }
});

t.test('console tails are carried, and shown by detail()', async (t) => {
  const tail = Array.from({ length: 30 }, (_, i) => `console line ${i}`).join('\n');
  const e = new BootError('x', tail);
  t.equal(e.consoleTail, tail);
  t.match(e.detail(), /--- console tail ---\n(?:.*\n){14}console line 29$/);
  t.notMatch(e.detail(), /console line 14\n/, 'only the last 15 lines are shown');
  const g = new GuestInitError('modprobe', ['modprobe: FATAL: Module nfit not found']);
  t.match(g.detail(), /modprobe: FATAL/);
  t.equal(new QemuDiedError(0, null, '', tail).name, 'QemuDiedError');
});

t.test('guest failures name the kept console log, or point at the tail when none is kept', async (t) => {
  const log = '/tmp/vfslab-abc/console.log';
  t.match(new BootError('no VFSLAB-READY', '', log).message, /no VFSLAB-READY; console log: \/tmp\/vfslab-abc\/console\.log$/);
  t.match(new QemuDiedError(null, 'SIGKILL', '', '', undefined, log).message, /^QEMU killed by SIGKILL unexpectedly; console log: \/tmp\/vfslab-abc\/console\.log$/);
  t.match(new GuestInitError('mkfs.xfs', [], log).message, /vfslab\.\* options; console log: \/tmp\/vfslab-abc\/console\.log$/);
  t.match(new BootError('template failed', 'line').message, /; see the console tail$/, 'no log file: the tail in detail() is it');
  t.notMatch(new QemuDiedError(1, null, '', '').message, /console log/, 'never a log that was not kept');
});
