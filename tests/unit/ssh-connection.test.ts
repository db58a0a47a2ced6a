// SshConnection against an in-process ssh2 server that runs commands in a
// local shell: exec, stdin, upload by `cat`, timeouts, host key pinning and
// retrying while "sshd" is not up yet (as under slirp) -- no VM needed.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import t from 'tap';
import ssh2 from 'ssh2';
import { SshError, TimeoutError } from '../../harness/errors.js';
import { SshConnection, shellQuote } from '../../harness/ssh/connection.js';
import { generateClientKey, hostKeyFromMarker, type HostKey } from '../../harness/ssh/keys.js';
import { freePort } from '../../harness/qemu/ports.js';

const client = generateClientKey('test-client');
const hostPair = ssh2.utils.generateKeyPairSync('ed25519');
const hostLine = hostPair.public.split(' ');
const pinned: HostKey = hostKeyFromMarker(hostLine[0]!, hostLine[1]!);
const allowedBlob = Buffer.from(client.publicLine.split(' ')[1]!, 'base64');

function startServer(port: number): Promise<ssh2.Server> {
  const server = new ssh2.Server({ hostKeys: [hostPair.private] }, (conn) => {
    conn.on('authentication', (ctx) => {
      if (ctx.method !== 'publickey' || !ctx.key.data.equals(allowedBlob)) return ctx.reject(['publickey']);
      if (!ctx.signature) return ctx.accept();
      const pub = ssh2.utils.parseKey(client.publicLine);
      if (!(pub instanceof Error) && ctx.blob && pub.verify(ctx.blob, ctx.signature, ctx.hashAlgo)) return ctx.accept();
      ctx.reject();
    });
    conn.on('ready', () => {
      conn.on('session', (accept) => {
        const session = accept();
        session.on('exec', (acceptExec, _reject, info) => {
          const ch = acceptExec();
          const p = spawn('sh', ['-c', info.command], { stdio: ['pipe', 'pipe', 'pipe'] });
          // A command that exits before reading its stdin (a failed `mkdir -p`)
          // makes the next write EPIPE, as sshd would see; not the client's fault.
          p.stdin.on('error', () => undefined);
          ch.pipe(p.stdin);
          p.stdout.pipe(ch, { end: false });
          p.stderr.pipe(ch.stderr, { end: false });
          p.on('close', (code, sig) => {
            if (sig) ch.exit(sig.replace(/^SIG/, ''), false, '');
            else ch.exit(code ?? 0);
            ch.end();
          });
          session.on('signal', (_a, _r, sinfo) => p.kill(`SIG${sinfo.name}` as NodeJS.Signals));
          ch.on('close', () => p.kill('SIGKILL'));
        });
      });
    });
    conn.on('error', () => undefined);
  });
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve(server)));
}

async function connected(t: { teardown: (fn: () => void) => void }, port: number): Promise<SshConnection> {
  const c = await SshConnection.connect({ port, privateKey: client.privateKey, hostKey: pinned, timeoutMs: 10_000 });
  t.teardown(() => c.close());
  return c;
}

t.test('exec, stdin, exit codes, signals, binary output', async (t) => {
  const port = await freePort();
  const server = await startServer(port);
  t.teardown(() => server.close());
  const c = await connected(t, port);
  t.match(await c.exec('echo out; echo err >&2; exit 3'), { code: 3, signal: null, stdout: 'out\n', stderr: 'err\n' });
  t.match(await c.exec('tr a-z A-Z', { stdin: 'hello' }), { code: 0, stdout: 'HELLO' });
  t.match(await c.exec('wc -c', { stdin: Readable.from([Buffer.alloc(70_000, 1), Buffer.alloc(30_000, 2)]) }), { stdout: '100000\n' });
  const bin = await c.execBuffer("printf '\\000\\377\\001'");
  t.strictSame([...bin.stdout], [0, 255, 1]);
  t.match(await c.exec('kill -TERM $$'), { code: null, signal: 'TERM' });
  const all = await Promise.all([1, 2, 3, 4, 5].map((i) => c.exec(`echo ${i}`)));
  t.strictSame(all.map((r) => r.stdout), ['1\n', '2\n', '3\n', '4\n', '5\n'], 'concurrent commands share the connection');
});

t.test('upload streams a file or buffer through cat, with mode and parent dirs', async (t) => {
  const port = await freePort();
  const server = await startServer(port);
  t.teardown(() => server.close());
  const c = await connected(t, port);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vfslab-ssh-test-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const src = path.join(dir, 'src.bin');
  fs.writeFileSync(src, Buffer.alloc(300_000, 7));
  const dst = path.join(dir, "sub dir/it's here");
  await c.upload(src, dst, 0o755);
  t.equal(fs.statSync(dst).size, 300_000);
  t.equal(fs.statSync(dst).mode & 0o777, 0o755);
  await c.upload(Buffer.from('x'), path.join(dir, 'b'), 0o600);
  t.equal(fs.readFileSync(path.join(dir, 'b'), 'utf8'), 'x');
  await t.rejects(c.upload(Buffer.from('x'), '/proc/no/such/place'), SshError);
  t.equal(shellQuote("a'b"), `'a'\\''b'`);
});

t.test('a command past its timeout is a TimeoutError and is killed', async (t) => {
  const port = await freePort();
  const server = await startServer(port);
  t.teardown(() => server.close());
  const c = await connected(t, port);
  const marker = path.join(os.tmpdir(), `vfslab-ssh-timeout-${process.pid}`);
  const start = Date.now();
  await t.rejects(c.exec(`sleep 2 && touch ${marker}`, { timeoutMs: 300 }), TimeoutError);
  t.ok(Date.now() - start < 1500, 'returned at the timeout');
  await new Promise((r) => setTimeout(r, 2500));
  t.notOk(fs.existsSync(marker), 'the command did not run on');
  t.match(await c.exec('echo still'), { stdout: 'still\n' }, 'the connection survives');
});

t.test('retries while nothing answers, and while TCP is accepted but closed (slirp)', async (t) => {
  const port = await freePort();
  // First: accept and drop, like slirp before dropbear listens.
  const dropper = net.createServer((s) => s.destroy());
  await new Promise<void>((r) => dropper.listen(port, '127.0.0.1', r));
  let server: ssh2.Server | undefined;
  setTimeout(() => {
    dropper.close(() => {
      void startServer(port).then((s) => (server = s));
    });
  }, 700);
  t.teardown(() => server?.close());
  const start = Date.now();
  const c = await connected(t, port);
  t.ok(Date.now() - start >= 600, 'waited for the server');
  t.match(await c.exec('true'), { code: 0 });
});

t.test('gives up at the deadline with SshError', async (t) => {
  const port = await freePort();
  const start = Date.now();
  const err = await SshConnection.connect({ port, privateKey: client.privateKey, hostKey: pinned, timeoutMs: 800 }).catch((e: unknown) => e);
  t.ok(err instanceof SshError);
  t.match((err as Error).message, /no SSH session within 800 ms/);
  t.ok(Date.now() - start < 3000);
});

t.test('a different host key or a refused client key fail at once', async (t) => {
  const port = await freePort();
  const server = await startServer(port);
  t.teardown(() => server.close());
  const other = generateClientKey().publicLine.split(' ');
  const start = Date.now();
  const e1 = await SshConnection.connect({
    port,
    privateKey: client.privateKey,
    hostKey: hostKeyFromMarker(other[0]!, other[1]!),
    timeoutMs: 20_000,
  }).catch((e: unknown) => e);
  t.ok(e1 instanceof SshError);
  t.match((e1 as Error).message, /host key other than the one on its console/);
  const e2 = await SshConnection.connect({ port, privateKey: generateClientKey().privateKey, hostKey: pinned, timeoutMs: 20_000 }).catch(
    (e: unknown) => e,
  );
  t.ok(e2 instanceof SshError);
  t.match((e2 as Error).message, /refused the client key/);
  t.ok(Date.now() - start < 5000, 'no retrying until the deadline');
});

t.test('abort stops the retries', async (t) => {
  const port = await freePort();
  const ac = new AbortController();
  setTimeout(() => ac.abort(new Error('QEMU died')), 300);
  const start = Date.now();
  await t.rejects(SshConnection.connect({ port, privateKey: client.privateKey, hostKey: pinned, timeoutMs: 20_000, signal: ac.signal }), SshError);
  t.ok(Date.now() - start < 2000);
});

t.test('a lost connection fails running and later commands with SshError', async (t) => {
  const port = await freePort();
  const server = await startServer(port);
  t.teardown(() => server.close());
  const c = await connected(t, port);
  const running = c.exec('sleep 5', { timeoutMs: 10_000 });
  setTimeout(() => c.close(), 200);
  await t.rejects(running, SshError);
  t.ok(c.closed);
  await t.rejects(c.exec('true'), SshError);
});

t.test('a socket dropped mid-command: SshError carrying the output so far', async (t) => {
  const port = await freePort();
  const server = await startServer(port);
  t.teardown(() => server.close());
  const c = await connected(t, port);
  const running = c.exec('echo first; sleep 5; echo never', { timeoutMs: 10_000 });
  setTimeout(() => c.destroy(), 500);
  const err = await running.catch((e: unknown) => e);
  t.ok(err instanceof SshError, `an SshError (${String(err)})`);
  t.match((err as SshError).message, /connection lost while running .*: connection dropped by the host/);
  t.equal((err as SshError).partialStdout, 'first\n', 'what arrived before the drop is kept');
  t.ok(c.closed);
});

t.test('a timed-out command keeps the output so far', async (t) => {
  const port = await freePort();
  const server = await startServer(port);
  t.teardown(() => server.close());
  const c = await connected(t, port);
  const err = await c.exec('echo partial; sleep 3', { timeoutMs: 500 }).catch((e: unknown) => e);
  t.ok(err instanceof TimeoutError);
  t.equal((err as TimeoutError).partialStdout, 'partial\n');
});
