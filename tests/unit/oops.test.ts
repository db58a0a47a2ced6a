import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import t from 'tap';
import { OOPS_RULES, OopsScanner, scanConsole, type OopsFinding } from '../../harness/console/oops.js';

const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), '../golden/console');
const update = process.env.UPDATE_GOLDEN === '1';
const logs = fs.readdirSync(dir).filter((f) => f.endsWith('.log')).sort();
const read = (name: string) => fs.readFileSync(path.join(dir, name), 'utf8');

t.test('golden console logs give the expected findings', async (t) => {
  t.ok(logs.length >= 9, 'golden logs present');
  for (const log of logs) {
    const got = scanConsole(read(log));
    const file = path.join(dir, log.replace(/\.log$/, '.expected.json'));
    if (update) fs.writeFileSync(file, JSON.stringify(got, null, 2) + '\n');
    t.strictSame(got, JSON.parse(fs.readFileSync(file, 'utf8')), `${log} (UPDATE_GOLDEN=1 rewrites)`);
  }
});

// The goldens pin exact output; these pin what the output must mean.
const summary = (fs_: OopsFinding[]) => fs_.map((f) => ({ rule: f.rule, also: f.also, line: f.line }));
const lastLine = (f: OopsFinding) => f.excerpt.split('\n').at(-1) ?? '';

t.test('a clean Debian boot from this machine and benign look-alikes give nothing', async (t) => {
  t.strictSame(scanConsole(read('clean-boot.log')), []);
  t.strictSame(scanConsole(read('benign.log')), []);
});

t.test('NULL dereference: one finding from BUG to the end of the trace, Oops folded in', async (t) => {
  const [f, ...rest] = scanConsole(read('null-deref-oops.log'));
  t.strictSame(rest, []);
  t.strictSame(summary([f!]), [{ rule: 'bug', also: ['oops'], line: 3 }]);
  t.match(f!.excerpt, /^VFSLAB-STAGE mounted 3\.87\nVFSLAB-READY 3\.88\n\[ +12\.402117\] BUG: kernel NULL pointer/, 'two lines of context before');
  t.match(lastLine(f!), /---\[ end trace/);
});

t.test('WARNING: excerpt includes "cut here" and ends at "end trace"', async (t) => {
  const [f, ...rest] = scanConsole(read('warning.log'));
  t.strictSame(rest, []);
  t.equal(f!.rule, 'warning');
  t.match(f!.text, /WARNING: CPU: 0 PID: 142 at fs\/notify/);
  t.match(f!.excerpt, /cut here/);
  t.match(lastLine(f!), /---\[ end trace/);
});

t.test('hung tasks: one finding per task, each ending at its </TASK>', async (t) => {
  const got = scanConsole(read('hung-task.log'));
  t.strictSame(summary(got), [
    { rule: 'hung-task', also: [], line: 2 },
    { rule: 'hung-task', also: [], line: 26 },
  ]);
  for (const f of got) t.match(lastLine(f), /<\/TASK>/);
  t.notMatch(got[1]!.excerpt, /VFSLAB-STAGE/, 'the userspace line after the trace is not in it');
});

t.test('soft lockup then panic: two findings', async (t) => {
  const got = scanConsole(read('soft-lockup.log'));
  t.strictSame(summary(got), [
    { rule: 'soft-lockup', also: [], line: 2 },
    { rule: 'kernel-panic', also: [], line: 37 },
  ]);
  t.match(lastLine(got[0]!), /<\/TASK>/);
  t.match(lastLine(got[1]!), /Kernel Offset/);
});

t.test('RCU stall: the trailing rcu: lines belong to the excerpt', async (t) => {
  const got = scanConsole(read('rcu-stall.log'));
  t.strictSame(summary(got), [{ rule: 'rcu-stall', also: [], line: 2 }]);
  t.match(lastLine(got[0]!), /Possible timer handling issue/);
});

t.test('KASAN report', async (t) => {
  const got = scanConsole(read('kasan.log'));
  t.strictSame(summary(got), [{ rule: 'kasan', also: [], line: 2 }]);
  t.match(got[0]!.excerpt, /Allocated by task 138/);
  t.match(lastLine(got[0]!), /\] =+$/, 'ends at the closing ===== rule');
  t.match(got[0]!.excerpt.split('\n')[0], /\] =+$/, 'starts at the opening one');
});

t.test('real sysrq panic from this machine: the kmsg test lines and the panic are separate', async (t) => {
  const got = scanConsole(read('sysrq-panic.log'));
  t.strictSame(
    got.map((f) => f.rule),
    ['warning', 'kernel-panic'],
  );
  t.strictSame(got[0]!.also, ['bug']);
  t.notMatch(got[0]!.excerpt, /sysrq/, 'a half-second gap separates unrelated events');
});

t.test('each rule fires on its canonical line and only there', async (t) => {
  const canonical: Record<string, string> = {
    kasan: '[    1.0] BUG: KASAN: slab-out-of-bounds in foo+0x1/0x2',
    'soft-lockup': '[    1.0] watchdog: BUG: soft lockup - CPU#0 stuck for 22s! [x:1]',
    'hard-lockup': '[    1.0] NMI watchdog: Watchdog detected hard LOCKUP on cpu 0',
    'hung-task': '[    1.0] INFO: task kworker/0:1:12 blocked for more than 122 seconds.',
    'rcu-stall': '[    1.0] rcu: INFO: rcu_sched detected stalls on CPUs/tasks:',
    'kernel-panic': '[    1.0] Kernel panic - not syncing: Fatal exception',
    'general-protection-fault': '[    1.0] general protection fault, probably for non-canonical address 0xdead000000000122: 0000 [#1] PREEMPT SMP NOPTI',
    oops: '[    1.0] invalid opcode: 0000 [#1] PREEMPT SMP NOPTI',
    bug: '[    1.0] kernel BUG at fs/locks.c:1234!',
    warning: '[    1.0] WARNING: possible circular locking dependency detected',
  };
  t.strictSame(OOPS_RULES.map((r) => r.name).sort(), Object.keys(canonical).sort(), 'every rule has a canonical line');
  for (const [name, line] of Object.entries(canonical)) {
    t.strictSame(scanConsole(line).map((f) => f.rule), [name], name);
  }
  t.strictSame(scanConsole('[    1.0] rcu: INFO: rcu_preempt self-detected stall on CPU').map((f) => f.rule), ['rcu-stall']);
  t.strictSame(scanConsole('[    1.0] Oops: 0002 [#1] PREEMPT SMP NOPTI').map((f) => f.rule), ['oops']);
});

t.test('streaming: any chunking gives the same findings as the whole text', async (t) => {
  const texts = logs.filter((l) => l !== 'clean-boot.log').map(read);
  fc.assert(
    fc.property(fc.integer({ min: 0, max: texts.length - 1 }), fc.array(fc.integer({ min: 1, max: 200 }), { minLength: 1, maxLength: 40 }), (i, sizes) => {
      const text = texts[i]!;
      const s = new OopsScanner();
      let pos = 0;
      for (let k = 0; pos < text.length; k++) {
        const n = sizes[k % sizes.length]!;
        s.push(text.slice(pos, pos + n));
        pos += n;
      }
      t.strictSame(s.end(), scanConsole(text));
    }),
    { numRuns: 60 },
  );
});

t.test('streaming: onFinding fires when an excerpt closes; findings() shows an open one', async (t) => {
  const seen: string[] = [];
  const s = new OopsScanner({ onFinding: (f) => seen.push(f.rule) });
  s.push('[    5.000000] WARNING: CPU: 0 PID: 1 at x.c:1 f+0x0/0x1\r\n[    5.000100] Call Trace:\r\n[    5.0002');
  t.strictSame(seen, [], 'not closed yet');
  t.strictSame(s.findings().map((f) => [f.rule, f.endLine]), [['warning', 2]], 'open finding visible');
  s.push('00]  </TASK>\r\n[    5.000300] ---[ end trace 0000000000000000 ]---\r\n');
  t.strictSame(seen, ['warning']);
  t.equal(s.findings()[0]!.endLine, 4);
  t.equal(s.end().length, 1);
});

t.test('an excerpt is capped after maxAfter lines', async (t) => {
  const lines = ['[    1.000000] BUG: scheduling while atomic: x/1/0x00000002'];
  for (let i = 0; i < 200; i++) lines.push(`[    1.000001]  frame${i}+0x0/0x1`);
  const got = new OopsScanner({ maxAfter: 50 });
  got.push(lines.join('\n') + '\n');
  const [f] = got.end();
  t.equal(f!.endLine, 51);
});
