import t from 'tap';
import { parseMarker } from '../../harness/console/markers.js';
import { LineSplitter, isKernelLine, kernelMessage } from '../../harness/console/lines.js';

t.test('contract markers parse', async (t) => {
  t.strictSame(parseMarker('VFSLAB-STAGE init 2.60\r'), { kind: 'stage', name: 'init', uptime: 2.6 });
  t.strictSame(parseMarker('VFSLAB-READY 3.88'), { kind: 'ready', uptime: 3.88 });
  t.strictSame(parseMarker('VFSLAB-HOSTKEY ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMHu3lPVJFNdpicNB5QFT9OUZHrKocw4r2b/EuCVnpI7'), {
    kind: 'hostkey',
    keyType: 'ssh-ed25519',
    base64: 'AAAAC3NzaC1lZDI1NTE5AAAAIMHu3lPVJFNdpicNB5QFT9OUZHrKocw4r2b/EuCVnpI7',
  });
  t.strictSame(parseMarker('VFSLAB-INIT-FAILED unknown vfslab.fs=btrfs (ext4|xfs)'), {
    kind: 'init-failed',
    reason: 'unknown vfslab.fs=btrfs (ext4|xfs)',
  });
  t.strictSame(parseMarker('VFSLAB-INIT-FAILED'), { kind: 'init-failed', reason: '(no reason given)' });
});

t.test('a marker after kernel output on the same line is still seen', async (t) => {
  t.strictSame(parseMarker('[    2.685420] ACPI: \\_SB_.GSIG: Enabled at IRQ 22VFSLAB-READY 3.1'), null, 'glued to a word: not a marker');
  t.strictSame(parseMarker('[    2.685420] ACPI: x VFSLAB-READY 3.1'), { kind: 'ready', uptime: 3.1 });
});

t.test('malformed or foreign lines are not markers', async (t) => {
  for (const line of [
    '',
    'VFSLAB-READY',
    'VFSLAB-READY soon',
    'VFSLAB-STAGE init',
    'VFSLAB-STAGE init 2.6 extra',
    'VFSLAB-HOSTKEY ssh-ed25519',
    'VFSLAB-HOSTKEY ssh-ed25519 not*base64',
    'VFSLAB-STAGEX init 1.0',
    '[    0.000000] Command line: console=ttyS0 vfslab.key=c3No vfslab.mode=ssh',
    'XVFSLAB-READY 1.0',
  ]) {
    t.equal(parseMarker(line), null, JSON.stringify(line));
  }
});

t.test('line splitting across chunks and CRLF', async (t) => {
  const s = new LineSplitter();
  t.strictSame(s.push('VFSLAB-STA'), []);
  t.strictSame(s.push('GE init 2.60\r'), []);
  t.strictSame(s.push('\nVFSLAB-READY 3.88\r\n[  1.0] x'), ['VFSLAB-STAGE init 2.60', 'VFSLAB-READY 3.88']);
  t.strictSame(s.flush(), ['[  1.0] x']);
  t.strictSame(s.flush(), []);
});

t.test('kernel line prefix', async (t) => {
  t.ok(isKernelLine('[    2.539222] Run /init as init process'));
  t.ok(isKernelLine('[    2.539222][    T1] Run /init as init process'));
  t.notOk(isKernelLine('VFSLAB-READY 3.88'));
  t.equal(kernelMessage('[    2.539222][    T1] Run /init'), 'Run /init');
  t.equal(kernelMessage('[   12.405395]  </TASK>'), ' </TASK>', 'indentation of trace lines survives');
  t.equal(kernelMessage('VFSLAB-READY 3.88'), 'VFSLAB-READY 3.88');
});
