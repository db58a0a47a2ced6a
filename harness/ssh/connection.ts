// One SSH connection to a guest's dropbear over the slirp forward, pinned to
// the host key the guest announced on its console. Commands share the
// connection (a new one costs 0.2-0.3 s under TCG, a command ~60 ms).
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import ssh2 from 'ssh2';
import type { ClientChannel } from 'ssh2';
import { SshError, TimeoutError } from '../errors.js';
import { hostKeyMatches, type HostKey } from './keys.js';

const { Client } = ssh2;

export interface SshConnectOptions {
  host?: string;
  port: number;
  username?: string;
  privateKey: string;
  hostKey: HostKey;
  /** Keep retrying until this much time has passed: slirp accepts TCP before sshd answers. */
  timeoutMs: number;
  /** Per-attempt handshake limit. */
  attemptTimeoutMs?: number;
  /** Stop retrying early (e.g. QEMU died). */
  signal?: AbortSignal;
}

export interface ExecOptions {
  timeoutMs?: number;
  stdin?: Buffer | string | Readable;
  /** Output beyond this is an error rather than unbounded memory. */
  maxOutputBytes?: number;
}

export interface ExecResult<T extends string | Buffer = string> {
  /** null when the command died of a signal (see `signal`) or sent no status. */
  code: number | null;
  signal: string | null;
  stdout: T;
  stderr: T;
  durationMs: number;
}

const DEFAULT_EXEC_TIMEOUT_MS = 60_000;
const DEFAULT_MAX_OUTPUT = 64 * 1024 * 1024;

/** POSIX shell single-quoting. */
export function shellQuote(s: string): string {
  return `'${s.replaceAll("'", `'\\''`)}'`;
}

type Client = InstanceType<typeof Client>;

export class SshConnection {
  private ended = false;
  private endReason = '';

  private constructor(private readonly client: Client) {
    // Each running command listens for 'close'; many may run at once.
    client.setMaxListeners(0);
    client.on('close', () => {
      this.ended = true;
      this.endReason ||= 'connection closed';
    });
    client.on('error', (e) => {
      this.endReason = e.message;
    });
  }

  static async connect(opts: SshConnectOptions): Promise<SshConnection> {
    const deadline = performance.now() + opts.timeoutMs;
    let last = 'no attempt made';
    for (let attempt = 1; ; attempt++) {
      if (opts.signal?.aborted) throw new SshError(`connect aborted (${String(opts.signal.reason ?? 'aborted')}) after: ${last}`);
      const left = deadline - performance.now();
      if (left <= 0) throw new SshError(`no SSH session within ${opts.timeoutMs} ms (${attempt - 1} attempts; last: ${last})`);
      const r = await attemptConnect(opts, Math.min(opts.attemptTimeoutMs ?? 10_000, Math.max(left, 1000)));
      if (r.ok) return new SshConnection(r.client);
      last = r.error;
      // A wrong host key or a refused client key will not improve by retrying.
      if (r.fatal) throw new SshError(r.error);
      await delay(Math.min(200, Math.max(0, deadline - performance.now())), opts.signal);
    }
  }

  get closed(): boolean {
    return this.ended;
  }

  close(): void {
    this.ended = true;
    this.client.end();
  }

  /** Destroys the socket without a goodbye (a dropped connection); running commands fail with SshError. */
  destroy(): void {
    this.endReason = 'connection dropped by the host';
    this.client.destroy();
  }

  /** A login shell on a pty, for a person at a terminal. */
  shell(win: { rows: number; cols: number; term: string }): Promise<ClientChannel> {
    return new Promise((resolve, reject) => {
      this.client.shell({ rows: win.rows, cols: win.cols, term: win.term }, (err, ch) => (err ? reject(new SshError(`shell: ${err.message}`)) : resolve(ch)));
    });
  }

  exec(cmd: string, opts?: ExecOptions): Promise<ExecResult<string>> {
    return this.execBuffer(cmd, opts).then((r) => ({ ...r, stdout: r.stdout.toString('utf8'), stderr: r.stderr.toString('utf8') }));
  }

  execBuffer(cmd: string, opts: ExecOptions = {}): Promise<ExecResult<Buffer>> {
    const timeoutMs = opts.timeoutMs ?? DEFAULT_EXEC_TIMEOUT_MS;
    const max = opts.maxOutputBytes ?? DEFAULT_MAX_OUTPUT;
    const start = performance.now();
    return new Promise((resolve, reject) => {
      if (this.ended) return reject(new SshError(`cannot run '${brief(cmd)}': ${this.endReason || 'connection closed'}`));
      let channel: ClientChannel | undefined;
      let settled = false;
      const out: Buffer[] = [];
      const finish = (err: Error | undefined, res?: ExecResult<Buffer>) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        this.client.removeListener('close', onClientClose);
        if (err) {
          // The runner streams one result line at a time: what arrived before the failure is kept.
          if (err instanceof SshError || err instanceof TimeoutError) err.partialStdout = Buffer.concat(out).toString('utf8');
          if (channel) {
            // Dropbear honours the signal request; closing the channel is the fallback.
            try {
              channel.signal('KILL');
            } catch {
              // Channel may already be gone.
            }
            channel.close();
          }
          reject(err);
        } else resolve(res!);
      };
      const timer = setTimeout(() => finish(new TimeoutError(`guest command '${brief(cmd)}'`, timeoutMs)), timeoutMs);
      const onClientClose = () => finish(new SshError(`connection lost while running '${brief(cmd)}': ${this.endReason}`));
      this.client.once('close', onClientClose);

      this.client.exec(cmd, (err, ch) => {
        if (err) return finish(new SshError(`exec '${brief(cmd)}': ${err.message}`, { cause: err }));
        channel = ch;
        const errOut: Buffer[] = [];
        let total = 0;
        let code: number | null = null;
        let signal: string | null = null;
        const collect = (into: Buffer[]) => (d: Buffer) => {
          total += d.length;
          if (total > max) return finish(new SshError(`'${brief(cmd)}' produced more than ${max} bytes of output`));
          into.push(d);
        };
        ch.on('data', collect(out));
        ch.stderr.on('data', collect(errOut));
        ch.on('exit', (c: number | null, sig?: string) => {
          code = c ?? null;
          signal = sig ?? null;
        });
        ch.on('close', () =>
          finish(undefined, {
            code,
            signal,
            stdout: Buffer.concat(out),
            stderr: Buffer.concat(errOut),
            durationMs: Math.round(performance.now() - start),
          }),
        );
        const input = opts.stdin;
        if (input instanceof Readable) {
          input.on('error', (e) => finish(new SshError(`reading stdin for '${brief(cmd)}': ${e.message}`, { cause: e })));
          input.pipe(ch);
        } else {
          ch.end(input ?? undefined);
        }
      });
    });
  }

  /**
   * Copies a local file (path), a buffer or a stream to remotePath with `mode`. Dropbear here
   * has no sftp-server, so the bytes are streamed into `cat`.
   */
  async upload(src: string | Buffer | Readable, remotePath: string, mode = 0o644, opts: { timeoutMs?: number } = {}): Promise<void> {
    const stdin = typeof src === 'string' ? fs.createReadStream(src) : src;
    const dir = path.posix.dirname(remotePath);
    const q = shellQuote(remotePath);
    const cmd = `mkdir -p ${shellQuote(dir)} && cat > ${q} && chmod ${mode.toString(8)} ${q}`;
    const r = await this.exec(cmd, { stdin, timeoutMs: opts.timeoutMs ?? DEFAULT_EXEC_TIMEOUT_MS });
    if (r.code !== 0) throw new SshError(`upload to ${remotePath} failed (exit ${r.code ?? r.signal}): ${r.stderr.trim()}`);
  }
}

type Attempt = { ok: true; client: Client } | { ok: false; fatal: boolean; error: string };

function attemptConnect(opts: SshConnectOptions, timeoutMs: number): Promise<Attempt> {
  return new Promise((resolve) => {
    const client = new Client();
    let hostKeyRejected = false;
    let done = false;
    const settle = (a: Attempt) => {
      if (done) return;
      done = true;
      opts.signal?.removeEventListener('abort', onAbort);
      if (!a.ok) client.end();
      resolve(a);
    };
    const onAbort = () => settle({ ok: false, fatal: true, error: `aborted: ${String(opts.signal?.reason ?? '')}` });
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    client.once('ready', () => settle({ ok: true, client }));
    client.on('error', (e: Error & { level?: string }) => {
      if (hostKeyRejected) return settle({ ok: false, fatal: true, error: 'guest offered a host key other than the one on its console (VFSLAB-HOSTKEY)' });
      // "client-authentication": dropbear refused our key: the guest got a different vfslab.key.
      const fatal = e.level === 'client-authentication';
      settle({ ok: false, fatal, error: fatal ? `guest refused the client key: ${e.message}` : e.message });
    });
    client.once('close', () => settle({ ok: false, fatal: false, error: 'closed before the handshake finished' }));
    client.connect({
      host: opts.host ?? '127.0.0.1',
      port: opts.port,
      username: opts.username ?? 'root',
      privateKey: opts.privateKey,
      readyTimeout: timeoutMs,
      keepaliveInterval: 0,
      hostVerifier: (key: Buffer) => {
        const ok = hostKeyMatches(opts.hostKey, key);
        if (!ok) hostKeyRejected = true;
        return ok;
      },
    });
  });
}

function delay(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

function brief(cmd: string): string {
  return cmd.length > 60 ? `${cmd.slice(0, 57)}...` : cmd;
}
