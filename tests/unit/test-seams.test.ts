// The fault-injection seams (harness/test-seams.ts) are inert unless their
// variable is set, and a malformed value is bad input, not a silent no-op.
import t from 'tap';
import { InputError } from '../../harness/errors.js';
import { FREEZE_PROBE, crashPoint, faultCommandPrefix, faultFromEnv } from '../../harness/test-seams.js';

t.test('VFSLAB_TEST_FAULT', async (t) => {
  t.equal(faultFromEnv({}), undefined, 'unset: no fault');
  t.equal(faultFromEnv({ VFSLAB_TEST_FAULT: '' }), undefined, 'empty: no fault');
  t.same(faultFromEnv({ VFSLAB_TEST_FAULT: 'kill-sshd@1' }), { kind: 'kill-sshd', batch: 1 });
  t.same(faultFromEnv({ VFSLAB_TEST_FAULT: 'drop-ssh@0' }), { kind: 'drop-ssh', batch: 0 });
  for (const bad of ['kill-sshd', 'explode@1', 'kill-sshd@x', '@1']) {
    t.throws(() => faultFromEnv({ VFSLAB_TEST_FAULT: bad }), InputError, `'${bad}' is bad input`);
  }
});

t.test('fault commands run in the guest before the runner', async (t) => {
  t.match(faultCommandPrefix('kill-sshd'), /^\(sleep 1; killall dropbear\) & $/);
  t.match(faultCommandPrefix('kill-runner'), /killall -KILL vfslab-runner/);
  t.equal(faultCommandPrefix('leave-frozen'), `${FREEZE_PROBE} /mnt/pmem --leave-frozen; `);
  t.equal(faultCommandPrefix('hung-task'), `${FREEZE_PROBE} /mnt/pmem --hung-secs 2; `);
  t.equal(faultCommandPrefix('drop-ssh'), '', 'the host drops the connection itself');
});

t.test('VFSLAB_TEST_CRASH_AT', async (t) => {
  t.doesNotThrow(() => crashPoint('run', 'throw', {}), 'unset: inert');
  t.doesNotThrow(() => crashPoint('run', 'throw', { VFSLAB_TEST_CRASH_AT: 'boot' }), 'another stage: inert');
  t.throws(() => crashPoint('report', 'throw', { VFSLAB_TEST_CRASH_AT: 'report' }), /VFSLAB_TEST_CRASH_AT=report: injected crash/);
  t.throws(() => crashPoint('run', 'throw', { VFSLAB_TEST_CRASH_AT: 'later' }), InputError, 'an unknown stage is bad input');
});
