// The plan serializer: every op kind has a line the runner understands,
// strings are percent-escaped, fd/dir/proc operands have their prefixes.
import t from 'tap';
import type { Op } from '../../src/scenario/ast.js';
import { WireError, escapeText, opArgs, serializePlan, unescapeToken } from '../../src/scenario/wire.js';
import { name, open, scen } from './fixtures/runner.js';

t.test('escaping', async (t) => {
  t.equal(escapeText('a b/c.d'), 'a%20b/c.d');
  t.equal(escapeText("it's=%,@!~"), 'it%27s%3D%25%2C%40%21%7E');
  t.equal(escapeText('é'), '%C3%A9');
  t.equal(unescapeToken('a%20b%0A').toString('latin1'), 'a b\n');
});

t.test('a whole plan', async (t) => {
  const s = scen(
    'two words',
    [
      ['a', open('f', 'my file', 0o102)],
      ['a', { kind: 'fork', child: 'b' }],
      ['b', { kind: 'write', fd: name('f'), data: { kind: 'text', text: 'hi\n\u00ff' } }],
      ['b', { kind: 'close', fd: { kind: 'name', name: 'f', stale: true } }],
    ],
    [{ name: 'fs.lease-break-time', value: 1 }],
  );
  t.equal(
    serializePlan([s], { settleMs: 20 }),
    [
      'vfslab-plan 1',
      'scenario two%20words',
      'settle 20',
      'sysctl fs.lease-break-time 1',
      'process a',
      "step 0 a open result='f dir=~ path='my%20file flags=66 mode=420 at=0",
      "step 1 a fork child='b",
      "step 2 b write fd=@f data='hi%0A%FF",
      'step 3 b close fd=!f',
      'end',
      '',
    ].join('\n'),
  );
});

const cases: [Op, string][] = [
  [{ kind: 'dup2', result: 'n', fd: name('f'), newfd: { kind: 'num', num: 7 } }, "result='n fd=@f newfd=7"],
  [{ kind: 'dup3', result: 'n', fd: name('f'), newfd: name('g'), flags: 0o2000000 }, "result='n fd=@f newfd=@g flags=524288"],
  [{ kind: 'execve' }, ''],
  [{ kind: 'exit', code: 3 }, 'code=3'],
  [{ kind: 'fcntl', fd: name('f'), cmd: 3, arg: { kind: 'none' } }, 'fd=@f cmd=3 arg=none'],
  [{ kind: 'fcntl', fd: name('f'), cmd: 1030, arg: { kind: 'int', value: 0 }, result: 'd' }, "fd=@f cmd=1030 arg=int value=0 result='d"],
  [{ kind: 'fcntl', fd: name('f'), cmd: 8, arg: { kind: 'owner', target: { proc: 'b' }, pgrp: true } }, "fd=@f cmd=8 arg=owner target='b pgrp=1"],
  [{ kind: 'fcntl', fd: name('f'), cmd: 8, arg: { kind: 'owner', target: null, pgrp: false } }, 'fd=@f cmd=8 arg=owner target=~ pgrp=0'],
  [{ kind: 'fcntl', fd: name('f'), cmd: 15, arg: { kind: 'ownerEx', type: 2, target: { proc: 'b' } } }, "fd=@f cmd=15 arg=ownerex type=2 target='b pgrp=0"],
  [{ kind: 'write', fd: name('f'), data: { kind: 'fill', byte: 65, count: 4096 } }, 'fd=@f fill=65 count=4096'],
  [{ kind: 'pread', fd: name('f'), count: 5, offset: 2 }, 'fd=@f count=5 offset=2'],
  [{ kind: 'pwrite', fd: name('f'), data: { kind: 'text', text: 'x' }, offset: 9 }, "fd=@f data='x offset=9"],
  [{ kind: 'lseek', fd: name('f'), offset: 0, whence: 1 }, 'fd=@f offset=0 whence=1'],
  [{ kind: 'truncate', path: 'p', length: 0 }, "path='p length=0"],
  [{ kind: 'ftruncate', fd: name('f'), length: 10 }, 'fd=@f length=10'],
  [{ kind: 'fallocate', fd: name('f'), mode: 3, offset: 0, length: 4096 }, 'fd=@f mode=3 offset=0 length=4096'],
  [{ kind: 'rename', from: 'a', to: 'b' }, "from='a to='b"],
  [{ kind: 'link', from: 'a', to: 'b' }, "from='a to='b"],
  [{ kind: 'mkdir', path: 'd', mode: 0o755 }, "path='d mode=493"],
  [{ kind: 'rmdir', path: 'd' }, "path='d"],
  [{ kind: 'unlink', path: 'd' }, "path='d"],
  [{ kind: 'statx', target: { kind: 'path', path: 'f' }, mask: 0xfff }, "path='f mask=4095"],
  [{ kind: 'statx', target: { kind: 'fd', fd: name('f') }, mask: 1 }, 'fd=@f mask=1'],
  [{ kind: 'mmap', map: 'm', fd: null, length: 4096, prot: 3, flags: 0x22, offset: 0 }, "map='m fd=~ length=4096 prot=3 flags=34 offset=0"],
  [{ kind: 'munmap', map: 'm', offset: 0, length: null }, "map='m offset=0"],
  [{ kind: 'munmap', map: 'm', offset: 4096, length: 4096 }, "map='m offset=4096 length=4096"],
  [{ kind: 'load', map: 'm', offset: 1 }, "map='m offset=1"],
  [{ kind: 'store', map: 'm', offset: 1, value: 255 }, "map='m offset=1 value=255"],
  [{ kind: 'msync', map: 'm', flags: 4 }, "map='m flags=4"],
  [{ kind: 'fanotify_init', result: 'g', flags: 4, eventFlags: 0 }, "result='g flags=4 eventflags=0"],
  [
    { kind: 'fanotify_mark', fd: name('g'), flags: 1, mask: 0x10000, dir: { kind: 'fd', fd: name('d') }, path: null },
    'fd=@g flags=1 mask=65536 dir=@d path=~',
  ],
  [{ kind: 'fanotify_read', fd: name('g'), count: 4096, results: ['e1', 'e2'] }, "fd=@g count=4096 results='e1%2Ce2"],
  [{ kind: 'fanotify_response', fd: name('g'), eventFd: { kind: 'name', name: 'e1', stale: true }, response: 1 }, 'fd=@g eventfd=!e1 response=1'],
  [{ kind: 'readlink_fd', fd: { kind: 'num', num: 3 } }, 'fd=3'],
  [{ kind: 'sysctl', name: 'fs.lease-break-time', value: 1 }, "name='fs.lease-break-time value=1"],
  [{ kind: 'signal', signo: 29, disposition: 'ignore' }, "signo=29 disposition='ignore"],
  [{ kind: 'wait_signal', signo: null, timeoutMs: 100 }, 'timeout=100'],
  [{ kind: 'wait_signal', signo: 40, timeoutMs: 100 }, 'signo=40 timeout=100'],
  [{ kind: 'sleep', ms: 5 }, 'ms=5'],
  [{ kind: 'expect_blocked', proc: 'b' }, "proc='b"],
  [{ kind: 'await', proc: 'b', timeoutMs: 9 }, "proc='b timeout=9"],
  [{ kind: 'open', result: 'f', dir: { kind: 'fd', fd: name('d') }, path: 'x', flags: 0, mode: 0, at: true }, "result='f dir=@d path='x flags=0 mode=0 at=1"],
];

t.test('op arguments', async (t) => {
  for (const [op, want] of cases) t.equal(opArgs(op, 'test'), want, op.kind);
});

t.test('errors', async (t) => {
  t.throws(() => opArgs({ kind: 'read', fd: name('f'), count: 1.5 }, 'scenario "s" step 3'), {
    name: 'WireError',
    message: 'scenario "s" step 3: count must be an integer, got 1.5',
  });
  t.throws(() => opArgs({ kind: 'write', fd: name('f'), data: { kind: 'text', text: '\u0100' } }, 'w'), WireError);
  t.throws(() => opArgs({ kind: 'fanotify_read', fd: name('g'), count: 1, results: ['a,b'] }, 'w'), WireError);
  const s = scen('s', [['a', { kind: 'sleep', ms: 1 }]]);
  s.steps[0]!.id = 4;
  t.throws(() => serializePlan([s]), /step id 4 should equal its index 0/);
});
