// leaseCloseShutdown (docs/patches.md): one test per row of the table, each
// run on the patched profile and on stock, where every case keeps signalling.
import t from 'tap';
import { patched, profile as stock, run, sc } from './fixtures/lease-model.js';
import type { Run } from './fixtures/lease-model.js';
import { O } from '../../src/scenario/flags.js';

// A: data exists; f = 3 (O_RDONLY), F_RDLCK lease registered as (A's table, 3).
const HDR = `process A
A: w = open "data" O_WRONLY|O_CREAT 0644
A: close w
A: f = open "data" O_RDONLY
A: fcntl f F_SETLEASE F_RDLCK
A: fcntl f F_SETSIG SIGRTMIN
`;
// A breaker Z forked by A at the end (its copies of A's fds are in its own table).
const BREAK = `A: fork Z
Z: g = open "data" O_WRONLY|O_NONBLOCK
`;

const sigs = (r: Run) => r.signals.map((x) => `${x.proc}:${x.signo}:${x.fd}`);
const lease = (r: Run) => [...r.final.inodes.values()].flatMap((i) => i.leases)[0];

function both(t: { same: (a: unknown, b: unknown, m: string) => void; ok: (a: unknown, m: string) => void }, body: string, patchedSigs: string[], name: string): { stock: Run; patched: Run } {
  const text = HDR + body;
  const s = run(sc(text), stock);
  const p = run(sc(text), patched);
  t.same(sigs(p), patchedSigs, `${name}: patched`);
  t.ok(sigs(s).length > 0, `${name}: stock always signals`);
  return { stock: s, patched: p };
}

t.test('close(N) with a dup M alive: stop; O_ASYNC gone, owner, sig and lease kept', async (t) => {
  const r = both(t, `A: d = dup f
A: close f
A: fcntl d F_GETFL
A: fcntl d F_GETSIG
A: fcntl d F_GETLEASE
${BREAK}A: fcntl d F_GETLEASE
`, [], 'close N');
  const getfl = (x: Run) => (x.results[7] as { ret: number }).ret;
  t.equal(getfl(r.patched) & O.ASYNC, 0, 'patched: O_ASYNC cleared');
  t.not(getfl(r.stock) & O.ASYNC, 0, 'stock: O_ASYNC stays');
  t.equal((r.patched.results[8] as { ret: number }).ret, 34, 'F_GETSIG unchanged');
  t.equal((r.patched.results[9] as { ret: number }).ret, 0, 'lease still F_RDLCK');
  t.equal((r.patched.results[12] as { ret: number }).ret, 2, 'break in progress: F_GETLEASE F_UNLCK');
  t.equal(lease(r.patched)?.faShut, true);
  t.equal(lease(r.stock)?.faShut, undefined, 'stock never shuts down');
});

t.test('close(M), another dup of the same file: continue', async (t) => {
  both(t, `A: d = dup f
A: close d
${BREAK}`, ['A:34:3'], 'close M');
});

t.test('dup2(X, N) with another file: stop; dup2(M, N) of the same file: continue', async (t) => {
  both(t, `A: d = dup f
A: o = open "other" O_RDWR|O_CREAT 0644
A: x = dup2 o 3
${BREAK}`, [], 'dup2 other file');
  both(t, `A: d = dup f
A: x = dup2 d 3
${BREAK}`, ['A:34:3'], 'dup2 same file');
  both(t, `A: d = dup f
A: o = open "other" O_RDWR|O_CREAT 0644
A: x = dup3 o 3 O_CLOEXEC
${BREAK}`, [], 'dup3 other file');
});

t.test('dup(N), dup2(N, M) only add descriptors: continue with si_fd N', async (t) => {
  both(t, `A: d = dup f
A: e = dup2 f 9
${BREAK}`, ['A:34:3'], 'dup and dup2 from N');
});

t.test('execve: N close-on-exec stops even if a dup survives; N kept continues', async (t) => {
  both(t, `A: fcntl f F_SETFD FD_CLOEXEC
A: d = dup f
A: execve
${BREAK}`, [], 'exec cloexec N');
  both(t, `A: d = dup f
A: fcntl d F_SETFD FD_CLOEXEC
A: execve
${BREAK}`, ['A:34:3'], 'exec keeps N');
});

t.test('a fork child closing N, all fds, exec with CLOEXEC, or exiting never stops the parent', async (t) => {
  both(t, `A: fork B
B: close f
B: close 0
B: exit 0
${BREAK}`, ['A:34:3'], 'child closes and exits');
  both(t, `A: fcntl f F_SETFD FD_CLOEXEC
A: fork B
B: execve
${BREAK}`, ['A:34:3'], 'child execs with N cloexec');
});

t.test('the parent closing N while a fork child holds a copy: stop', async (t) => {
  both(t, `A: fork B
A: close f
${BREAK}`, [], 'parent close');
});

t.test('exit of the table owner while the file lives on in a child: stop', async (t) => {
  // B, not A, receives: F_SETOWN B, so the signal has a live target after A exits.
  both(t, `A: fork B
A: fcntl f F_SETOWN B
A: exit 0
B: fork Z
Z: g = open "data" O_WRONLY|O_NONBLOCK
`, [], 'owner exit');
});

t.test('fork child F_SETLEASE moves the registration to its table', async (t) => {
  const moved = `A: fork B
B: fcntl f F_SETLEASE F_RDLCK
`;
  const parentClose = both(t, `${moved}A: close f
${BREAK}`, ['A:34:3'], 'parent close after the move');
  t.equal(lease(parentClose.patched)?.faTable, parentClose.patched.final.procs[1]!.table, "registered in B's table");
  both(t, `${moved}B: close f
${BREAK}`, [], 'child close after the move');
});

t.test('re-F_SETLEASE through a surviving dup M after a stop: registration (T, M), O_ASYNC back', async (t) => {
  const r = both(t, `A: d = dup f
A: close f
A: fcntl d F_SETLEASE F_RDLCK
A: fcntl d F_GETFL
${BREAK}`, ['A:34:4'], 're-setlease');
  t.not((r.patched.results[8] as { ret: number }).ret & O.ASYNC, 0, 'O_ASYNC set again');
  t.equal(lease(r.patched)?.faShut, undefined);
});

t.test('a break with nothing registered signals nobody but the breaker still waits (lease unchanged)', async (t) => {
  const r = run(sc(`${HDR}A: d = dup f
A: close f
A: fork Z
Z: g = open "data" O_WRONLY
`), patched);
  t.same(r.results.at(-1), 'blocked');
  t.same(sigs(r), []);
  t.ok(r.why.some((w) => w.includes('signals nobody')), 'the rule is named');
});
