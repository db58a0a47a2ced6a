import t from 'tap';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseScenario, formatScenarioError } from '../../src/scenario/parse.js';
import { printScenario } from '../../src/scenario/print.js';
import type { Scenario } from '../../src/scenario/ast.js';

const good = `# comment line
scenario demo
description "a demo"
requires leaseCloseShutdown
setup pmem=nvdimm fs=ext4 dax=always
sysctl fs.lease-break-time=2
process A

A: f1 = open "data" O_RDWR|O_CREAT 0644   expect fd=3   # trailing comment
A: fcntl f1 F_SETLEASE F_RDLCK
A: fork B
B: close f1
B: fcntl stale:f1 F_GETFD expect errno=EBADF
A: fcntl f1 F_SETOWN -A
A: fcntl f1 F_SETOWN_EX F_OWNER_PID B
A: fcntl f1 F_SETSIG SIGRTMIN+2
A: write f1 "a\\x00b\\n"
A: write f1 fill 0x41 4k
A: wait-signal SIGIO 1.5s
A: wait-signal 200ms
A: e1, e2 = fanotify-read f1 4096
A: m = mmap f1 4096 PROT_READ|PROT_WRITE MAP_SHARED_VALIDATE|MAP_SYNC
A: store m 0 0x41
A: expect-blocked B
A: await B 2s
`;

t.test('a good scenario parses into the AST', async (t) => {
  const r = parseScenario(good, 'demo.scenario');
  if (!r.ok) throw new Error(r.errors.map(formatScenarioError).join('\n'));
  const sc = r.scenario;
  t.equal(sc.name, 'demo');
  t.equal(sc.description, 'a demo');
  t.same(sc.requires, ['leaseCloseShutdown']);
  t.same(sc.setup, { pmem: 'nvdimm', fs: 'ext4', dax: 'always', sysctls: [{ name: 'fs.lease-break-time', value: 2, line: 6 }] });
  t.same(sc.processes.map((p) => [p.name, p.parent]), [['A', undefined], ['B', 'A']]);
  const s0 = sc.steps[0]!;
  t.equal(s0.line, 9);
  t.same(s0.op, { kind: 'open', result: 'f1', dir: { kind: 'cwd' }, path: 'data', flags: 0o102, mode: 0o644, at: false });
  t.same(s0.expect, { ret: 3 });
  t.same(sc.steps[3]!.op, { kind: 'close', fd: { kind: 'name', name: 'f1' } });
  t.same(sc.steps[4]!.op, { kind: 'fcntl', fd: { kind: 'name', name: 'f1', stale: true }, cmd: 1, arg: { kind: 'none' } });
  t.same(sc.steps[4]!.expect, { errno: 9 });
  t.same(sc.steps[5]!.op, { kind: 'fcntl', fd: { kind: 'name', name: 'f1' }, cmd: 8, arg: { kind: 'owner', target: { proc: 'A' }, pgrp: true } });
  t.same(sc.steps[6]!.op, { kind: 'fcntl', fd: { kind: 'name', name: 'f1' }, cmd: 15, arg: { kind: 'ownerEx', type: 1, target: { proc: 'B' } } });
  t.same((sc.steps[7]!.op as { arg: unknown }).arg, { kind: 'int', value: 36 });
  t.same((sc.steps[8]!.op as { data: unknown }).data, { kind: 'text', text: 'a\0b\n' });
  t.same((sc.steps[9]!.op as { data: unknown }).data, { kind: 'fill', byte: 0x41, count: 4096 });
  t.same(sc.steps[10]!.op, { kind: 'wait_signal', signo: 29, timeoutMs: 1500 });
  t.same(sc.steps[11]!.op, { kind: 'wait_signal', signo: null, timeoutMs: 200 });
  t.same(sc.steps[12]!.op, { kind: 'fanotify_read', fd: { kind: 'name', name: 'f1' }, count: 4096, results: ['e1', 'e2'] });
  t.same(sc.steps[13]!.op, { kind: 'mmap', map: 'm', fd: { kind: 'name', name: 'f1' }, length: 4096, prot: 3, flags: 0x80003, offset: 0 });
  t.equal(sc.steps.length, 17);
});

// [input, line, text the message must contain]
const bad: [string, number, string][] = [
  ['process A\nA: f = open "x" O_RDWR|O_BOGUS', 2, 'unknown open flags "O_BOGUS"'],
  ['process A\nA: close g', 2, 'undefined fd name "g"'],
  ['process A\nB: f = open "x" O_RDONLY', 2, 'process "B" does not exist'],
  ['process A\nA: frobnicate f', 2, 'unknown operation "frobnicate"'],
  ['process A\nA: f = open "x" O_RDONLY\nA: close f\nA: read f 1', 4, 'was closed at line 3'],
  ['process A\nA: f = open "unterminated', 2, 'unterminated string'],
  ['process A\nA: open "x" O_RDONLY', 2, 'open binds exactly one name'],
  ['process A\nA: f = close 3', 2, 'close does not bind a name'],
  ['process A\nA: f = open "x" O_RDONLY\nA: fcntl f F_BOGUS', 3, 'unknown fcntl command "F_BOGUS"'],
  ['process A\nA: f = open "x" O_RDONLY\nA: fcntl f F_SETOWN Z', 3, 'undefined process "Z"'],
  ['process A\nA: wait-signal 2 parsecs', 2, 'bad duration'],
  ['process A\nA: fork B\nA: fork B', 3, 'already exists'],
  ['process A\nA: exit 0\nA: sleep 1s', 3, 'has exited'],
  ['process A\nA: f = open "/etc/passwd" O_RDONLY', 2, 'must be relative'],
  ['process A\nA: f = open "../x" O_RDONLY', 2, 'no ".."'],
  ['setup fs=btrfs\nprocess A', 1, 'bad fs "btrfs"'],
  ['sysctl kernel.panic=1\nprocess A', 1, 'unknown sysctl "kernel.panic"'],
  ['process A\nprocess B', 2, 'must come into being by "A: fork B"'],
  ['process A\nA: f = open "x" O_RDONLY\nA: g = dup2 f 150', 3, 'reserved for the runner'],
  ['process A\nA: f = open "x" O_RDONLY expect errno=EFOO', 2, 'unknown errno "EFOO"'],
  ['process A\nA: sleep 1s\nbogus directive', 3, 'unknown directive "bogus"'],
  ['process A\nA: munmap m', 2, 'undefined mapping "m"'],
  ['process A\nA: expect-blocked A', 2, 'names another process'],
  ['process A\nA: signal SIGIO sometimes', 2, 'bad disposition "sometimes"'],
  ['scenario x\n', 1, 'no initial process declared'],
];

t.test('bad input names file:line, what was wrong and the valid forms', async (t) => {
  t.ok(bad.length >= 15);
  for (const [text, line, msg] of bad) {
    const r = parseScenario(text, 'bad.scenario');
    t.notOk(r.ok, `rejected: ${msg}`);
    if (r.ok) continue;
    const e = r.errors[0]!;
    t.equal(e.line, line, `line of "${msg}"`);
    const formatted = formatScenarioError(e);
    t.match(formatted, `bad.scenario:${line}: `, 'file:line prefix');
    t.match(formatted, msg);
  }
  const withForms = parseScenario('process A\nA: frobnicate f', 'x.scenario');
  t.match(withForms.ok ? '' : formatScenarioError(withForms.errors[0]!), /expected one of open, openat, close/);
});

t.test('every error on a file is reported, not just the first', async (t) => {
  const r = parseScenario('process A\nA: frob\nA: close zz\nA: f = open "x" O_NOPE', 'm.scenario');
  t.notOk(r.ok);
  if (!r.ok) t.same(r.errors.map((e) => e.line), [2, 4]);
});

function withoutLines(sc: Scenario): unknown {
  return JSON.parse(JSON.stringify({ ...sc, file: '' }, (k, v) => (k === 'line' ? 0 : v)));
}

const dir = join(import.meta.dirname, '../scenarios');
const files = readdirSync(dir, { recursive: true }).map(String).filter((f) => f.endsWith('.scenario')).sort();

t.test('every scenario file parses, and print/parse round-trips it', async (t) => {
  t.ok(files.length >= 22, `${files.length} scenario files`);
  for (const f of files) {
    const r = parseScenario(readFileSync(join(dir, f), 'utf8'), f);
    if (!r.ok) {
      t.fail(r.errors.map(formatScenarioError).join('\n'));
      continue;
    }
    const again = parseScenario(printScenario(r.scenario), f);
    t.ok(again.ok, `${f} printed form parses`);
    if (again.ok) t.same(withoutLines(again.scenario), withoutLines(r.scenario), `${f} round-trips`);
  }
});
