// The fault-injection seams (harness/test-seams.ts) are inert unless their
// variable is set, and a malformed value is bad input, not a silent no-op.
import t from 'tap';
import { InputError } from '../../harness/errors.js';
import { FREEZE_PROBE, bootFailure, crashPoint, failBootAfterFromEnv, faultCommandPrefix, faultFromEnv } from '../../harness/test-seams.js';

t.test('VFSLAB_TEST_FAULT', async (t) => {
  t.equal(faultFromEnv({}), undefined, 'unset: no fault');
  t.equal(faultFromEnv({ VFSLAB_TEST_FAULT: '' }), undefined, 'empty: no fault');
  t.same(faultFromEnv({ VFSLAB_TEST_FAULT: 'kill-sshd@1' }), { kind: 'kill-sshd', batch: 1 });
  t.same(faultFromEnv({ VFSLAB_TEST_FAULT: 'drop-ssh@0' }), { kind: 'drop-ssh', batch: 0 });
  t.same(faultFromEnv({ VFSLAB_TEST_FAULT: 'kill-qemu@2' }), { kind: 'kill-qemu', batch: 2 });
  for (const bad of ['kill-sshd', 'explode@1', 'kill-sshd@x', '@1', 'kill-qemu@', 'KILL-QEMU@1']) {
    t.throws(() => faultFromEnv({ VFSLAB_TEST_FAULT: bad }), InputError, `'${bad}' is bad input`);
  }
});

t.test('fault commands run in the guest before the runner', async (t) => {
  t.match(faultCommandPrefix('kill-sshd'), /^\(sleep 1; killall dropbear\) & $/);
  t.match(faultCommandPrefix('kill-runner'), /killall -KILL vfslab-runner/);
  t.equal(faultCommandPrefix('leave-frozen'), `${FREEZE_PROBE} /mnt/pmem --leave-frozen; `);
  t.equal(faultCommandPrefix('hung-task'), `${FREEZE_PROBE} /mnt/pmem --hung-secs 2; `);
  t.equal(faultCommandPrefix('drop-ssh'), '', 'the host drops the connection itself');
  t.equal(faultCommandPrefix('kill-qemu'), '', 'the host kills its QEMU itself');
});

t.test('VFSLAB_TEST_FAIL_BOOT_AFTER', async (t) => {
  t.equal(failBootAfterFromEnv({}), undefined, 'unset: every boot as usual');
  t.equal(failBootAfterFromEnv({ VFSLAB_TEST_FAIL_BOOT_AFTER: '' }), undefined, 'empty: as unset');
  t.equal(failBootAfterFromEnv({ VFSLAB_TEST_FAIL_BOOT_AFTER: '1' }), 1);
  t.equal(failBootAfterFromEnv({ VFSLAB_TEST_FAIL_BOOT_AFTER: '0' }), 0, 'zero: even the first boot fails');
  for (const bad of ['-1', 'x', '1.5', ' 1', 'one']) {
    t.throws(() => failBootAfterFromEnv({ VFSLAB_TEST_FAIL_BOOT_AFTER: bad }), InputError, `'${bad}' is bad input`);
  }
  t.equal(bootFailure(undefined, 5), undefined, 'unset: no launch fails');
  t.equal(bootFailure(1, 1), undefined, 'the first launch boots');
  t.equal(bootFailure(1, 2), 'VFSLAB_TEST_FAIL_BOOT_AFTER=1: launch 2 made to fail', 'the second (a recycle) fails, saying why');
  t.equal(bootFailure(1, 3), 'VFSLAB_TEST_FAIL_BOOT_AFTER=1: launch 3 made to fail', 'and every later one');
  t.equal(bootFailure(0, 1), 'VFSLAB_TEST_FAIL_BOOT_AFTER=0: launch 1 made to fail');
});

t.test('VFSLAB_TEST_CRASH_AT', async (t) => {
  t.doesNotThrow(() => crashPoint('run', 'throw', {}), 'unset: inert');
  t.doesNotThrow(() => crashPoint('run', 'throw', { VFSLAB_TEST_CRASH_AT: 'boot' }), 'another stage: inert');
  t.throws(() => crashPoint('report', 'throw', { VFSLAB_TEST_CRASH_AT: 'report' }), /VFSLAB_TEST_CRASH_AT=report: injected crash/);
  t.throws(() => crashPoint('run', 'throw', { VFSLAB_TEST_CRASH_AT: 'later' }), InputError, 'an unknown stage is bad input');
});
