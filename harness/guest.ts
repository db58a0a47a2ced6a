// The guest lifecycle: boot QEMU, watch its console (markers, oopses), wait
// for VFSLAB-READY and a working SSH session, run commands, shut down. Every
// failure on the way is a distinct typed error carrying the console tail and
// naming the console log, which is all of the temp dir that survives a failure
// (everything survives when asked to keep it); QEMU never survives the run.
import fs from 'node:fs';
import type { Readable } from 'node:stream';
import { BootError, consoleLogNote, GuestInitError, InputError, KernelMissingError, QemuDiedError, SshError, VfslabError } from './errors.js';
import { LineSplitter } from './console/lines.js';
import { parseMarker } from './console/markers.js';
import { OopsScanner, type OopsFinding } from './console/oops.js';
import { FileTail } from './console/tail.js';
import { buildQemuArgv, type DaxMode, type FsType, type PmemBackend, DEFAULT_PMEM_MIB } from './qemu/args.js';
import { resolveAccel, type AccelRequest, type AccelVerdict } from './qemu/accel.js';
import { isHostFwdClash, withPortRetry } from './qemu/ports.js';
import { QemuProcess, resolveBinary, settlesWithin, type QemuExit } from './qemu/process.js';
import type { ClientChannel } from 'ssh2';
import { SshConnection, type ExecOptions, type ExecResult } from './ssh/connection.js';
import { generateClientKey, hostKeyFromMarker, type ClientKey, type HostKey } from './ssh/keys.js';
import { WorkDir } from './workdir.js';
import { qmpHumanCommands } from './qemu/qmp.js';
import { crashPoint } from './test-seams.js';

export interface GuestBootOptions {
  kernel: string;
  initrd: string;
  qemu?: string;
  accel?: AccelRequest;
  accelCacheFile?: string;
  pmem?: PmemBackend;
  fs?: FsType;
  dax?: DaxMode;
  memoryMiB?: number;
  pmemSizeMiB?: number;
  /**
   * A pmem backing file already holding labels, namespace and filesystem
   * (harness/image/pmem-template.ts): booted from a sparse copy with
   * vfslab.prepared=1, so init skips ndctl and mkfs. nvdimm/virtio only.
   */
  pmemTemplate?: string;
  extraCmdline?: readonly string[];
  /** QEMU spawn to SSH ready; generous because other VMs may share the 2 cores. */
  bootTimeoutMs?: number;
  /** Keep the work dir (console log, pmem image) if anything failed. */
  keepOnFailure?: boolean;
  tmpDir?: string;
  /** Aborts a boot in progress (QEMU is killed, BootError thrown). */
  signal?: AbortSignal;
  /** Live console text, e.g. for --verbose. */
  onConsole?: (chunk: string) => void;
  onStage?: (stage: BootStage) => void;
  /** Called once QEMU runs: its pid and the work dir. */
  onSpawn?: (info: { pid: number; workDir: string }) => void;
  /** Test seam: QEMU arguments appended verbatim (e.g. -S: a guest that never runs). */
  extraQemuArgs?: readonly string[];
  /** Test seam: where SSH forward ports come from (default: a free one). */
  pickPort?: () => Promise<number>;
}

export interface BootStage {
  /** 'first-byte', 'run-init', 'stage:<name>' (VFSLAB-STAGE), 'ready', 'ssh-ready'. */
  name: string;
  /** Host milliseconds since QEMU was spawned. */
  ms: number;
  /** Guest uptime in seconds, when the marker reports it. */
  uptime?: number;
}

const DEFAULT_BOOT_TIMEOUT_MS = 60_000;
/** After VFSLAB-INIT-FAILED, how long to collect init's log tail before giving up on QEMU exiting. */
const INIT_FAIL_GRACE_MS = 3000;
// Enough for a whole panic with its trace (the message itself shows the last 15).
const TAIL_LINES = 100;

export class Guest {
  readonly stages: BootStage[] = [];
  /** The QEMU command line of the running guest, for reproducer scripts. */
  argv: readonly string[] = [];
  private qemu!: QemuProcess;
  private ssh: SshConnection | undefined;
  private tail: FileTail | undefined;
  private scanner!: OopsScanner;
  private splitter!: LineSplitter;
  private console = '';
  private spawnedAt = 0;
  private hostKey: HostKey | undefined;
  private readyUptime: number | undefined;
  private initFailed: { reason: string; lines: string[]; at: number } | undefined;
  private waiters = new Set<() => void>();
  private failed = false;
  private expectExit = false;
  private finished = false;
  private port = 0;

  private constructor(
    private readonly opts: GuestBootOptions,
    readonly accel: AccelVerdict,
    private readonly dir: WorkDir,
    private readonly key: ClientKey,
  ) {}

  static async boot(opts: GuestBootOptions): Promise<Guest> {
    for (const [p, what] of [
      [opts.kernel, 'kernel'],
      [opts.initrd, 'initrd'],
    ] as const) {
      if (!fs.existsSync(p)) throw new KernelMissingError(p, what);
    }
    if (opts.pmemTemplate !== undefined && !fs.existsSync(opts.pmemTemplate)) {
      throw new InputError('pmem template', `'${opts.pmemTemplate}' does not exist`, 'a file made by harness/image/pmem-template.ts');
    }
    const qemuBin = opts.qemu ?? 'qemu-system-x86_64';
    resolveBinary(qemuBin);
    const accel = await resolveAccel(opts.accel ?? 'auto', { qemu: qemuBin, kernel: opts.kernel, cacheFile: opts.accelCacheFile });
    const dir = new WorkDir(opts.tmpDir);
    // Should the guest fail or vfslab crash or be interrupted, the console log is what explains the guest's side.
    dir.evidence = ['console.log', 'qemu.argv.json'];
    const guest = new Guest(opts, accel, dir, generateClientKey(`vfslab@${dir.path}`));
    try {
      await guest.start(qemuBin);
      return guest;
    } catch (err) {
      guest.failed = true;
      // A guest that is still running but never got ready is hung: ask QEMU what the CPU is doing first.
      if (err instanceof BootError && guest.running) err.diagnosis = await guest.diagnose();
      await guest.teardown(true);
      if (err instanceof VfslabError && guest.dir.keep) err.message += ` (work dir kept: ${guest.dir.path})`;
      throw err;
    }
  }

  get workDir(): string {
    return this.dir.path;
  }
  get consoleLogPath(): string {
    return this.dir.file('console.log');
  }
  get sshPort(): number {
    return this.port;
  }
  get pid(): number {
    return this.qemu.pid;
  }
  get running(): boolean {
    return this.qemu?.running ?? false;
  }

  /** QEMU's view of the guest (run state, registers), or why it could not be had. */
  async diagnose(): Promise<string> {
    try {
      const [status, regs] = await qmpHumanCommands(this.dir.file('qmp.sock'), ['info status', 'info registers'], 3000);
      return `${status}${regs}`;
    } catch (e) {
      return `(no diagnosis: ${(e as Error).message})`;
    }
  }

  consoleText(): string {
    return this.console;
  }

  consoleTail(lines = TAIL_LINES): string {
    return this.console.replace(/\r/g, '').split('\n').slice(-lines).join('\n');
  }

  /** Findings so far, including one whose excerpt is still being collected. */
  oopses(): OopsFinding[] {
    return this.scanner?.findings() ?? [];
  }

  /** Marks the run as failed: its console log is kept (and with keepOnFailure the whole work dir). */
  markFailed(): void {
    this.failed = true;
  }

  // ---- boot ----

  private async start(qemuBin: string): Promise<void> {
    const o = this.opts;
    const deadline = performance.now() + (o.bootTimeoutMs ?? DEFAULT_BOOT_TIMEOUT_MS);
    const pmem = o.pmem ?? 'nvdimm';
    const filePmem = pmem === 'nvdimm' || pmem === 'virtio';
    const pmemFile = !filePmem
      ? undefined
      : o.pmemTemplate
        ? this.dir.sparseCopy(o.pmemTemplate, 'pmem.img')
        : this.dir.sparseFile('pmem.img', o.pmemSizeMiB ?? DEFAULT_PMEM_MIB);
    fs.writeFileSync(this.dir.file('id_ed25519'), this.key.privateKey, { mode: 0o600 });
    await withPortRetry(
      async (port) => {
        this.port = port;
        const argv = buildQemuArgv({
          qemu: qemuBin,
          kernel: o.kernel,
          initrd: o.initrd,
          accel: this.accel.accel,
          memoryMiB: o.memoryMiB,
          pmem,
          pmemFile,
          pmemSizeMiB: o.pmemSizeMiB,
          fs: o.fs ?? 'ext4',
          dax: o.dax ?? 'always',
          sshPort: port,
          consoleLog: this.consoleLogPath,
          authorizedKeyB64: this.key.authorizedKeyB64,
          prepared: o.pmemTemplate !== undefined,
          extraCmdline: o.extraCmdline,
          qmpSocket: this.dir.file('qmp.sock'),
          extraQemuArgs: o.extraQemuArgs,
        });
        fs.writeFileSync(this.dir.file('qemu.argv.json'), JSON.stringify(argv, null, 1) + '\n');
        await this.spawn(argv);
        await this.waitHostKey(deadline);
      },
      {
        // A clash shows as QEMU exiting at once with a hostfwd error, before any console output.
        isClash: (e) => e instanceof QemuDiedError && isHostFwdClash(e.stderr) && this.console === '',
        pickPort: o.pickPort,
      },
    );
    // sshd starts before pmem is ready: the handshake overlaps the mount.
    const [ready, ssh] = await Promise.allSettled([this.waitReady(deadline), this.connectSsh(deadline)]);
    if (ready.status === 'rejected') throw ready.reason;
    if (ssh.status === 'rejected') throw ssh.reason;
    this.stage('ssh-ready');
  }

  private async spawn(argv: string[]): Promise<void> {
    this.argv = argv;
    this.tail?.stop();
    this.console = '';
    this.stages.length = 0;
    this.splitter = new LineSplitter();
    this.scanner = new OopsScanner({ onFinding: () => (this.failed = true) });
    this.hostKey = undefined;
    this.readyUptime = undefined;
    this.initFailed = undefined;
    this.failed = false;
    // QEMU truncates it too; creating it first lets the tail open it at once.
    fs.writeFileSync(this.consoleLogPath, '');
    this.spawnedAt = performance.now();
    this.qemu = new QemuProcess(argv);
    this.tail = new FileTail(this.consoleLogPath, (t) => this.onConsole(t));
    const qemu = this.qemu;
    void qemu.exited.then(() => {
      if (qemu !== this.qemu) return;
      this.tail?.drain();
      if (!this.expectExit) this.failed = true;
      this.notify();
    });
    this.opts.onSpawn?.({ pid: qemu.pid, workDir: this.dir.path });
  }

  private onConsole(text: string): void {
    if (this.console === '') {
      this.stage('first-byte');
      crashPoint('boot');
    }
    this.console += text;
    this.scanner.push(text);
    this.opts.onConsole?.(text);
    for (const line of this.splitter.push(text)) this.onLine(line);
    this.notify();
  }

  private onLine(line: string): void {
    if (this.initFailed) {
      this.initFailed.lines.push(line);
      return;
    }
    // Only printed without `quiet`; recorded when present.
    if (/\bRun \/init as init process/.test(line)) this.stage('run-init');
    const m = parseMarker(line);
    if (!m) return;
    switch (m.kind) {
      case 'stage':
        this.stage(`stage:${m.name}`, m.uptime);
        break;
      case 'hostkey':
        this.hostKey ??= hostKeyFromMarker(m.keyType, m.base64);
        break;
      case 'ready':
        this.readyUptime = m.uptime;
        this.stage('ready', m.uptime);
        break;
      case 'init-failed':
        this.initFailed = { reason: m.reason, lines: [], at: performance.now() };
        break;
    }
  }

  private stage(name: string, uptime?: number): void {
    const s: BootStage = { name, ms: Math.round(performance.now() - this.spawnedAt), ...(uptime === undefined ? {} : { uptime }) };
    this.stages.push(s);
    this.opts.onStage?.(s);
  }

  private notify(): void {
    for (const w of [...this.waiters]) w();
  }

  /** Re-evaluates `check` on every console chunk, QEMU exit, abort and tick until it returns true or throws. */
  private waitUntil(check: () => boolean, deadline: number, onTimeout: () => Error): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setInterval(run, 250);
      const signal = this.opts.signal;
      const cleanup = () => {
        clearInterval(timer);
        this.waiters.delete(run);
        signal?.removeEventListener('abort', run);
      };
      function run() {
        try {
          if (check()) {
            cleanup();
            resolve();
          } else if (performance.now() > deadline) {
            cleanup();
            reject(onTimeout());
          }
        } catch (e) {
          cleanup();
          reject(e);
        }
      }
      this.waiters.add(run);
      signal?.addEventListener('abort', run, { once: true });
      run();
    });
  }

  /** Throws the error for a boot that can no longer succeed, if any. */
  private checkAlive(): void {
    if (this.opts.signal?.aborted) throw this.bootError(`aborted (${String(this.opts.signal.reason ?? 'signal')})`);
    const f = this.initFailed;
    if (f && (!this.qemu.running || performance.now() - f.at > INIT_FAIL_GRACE_MS)) throw new GuestInitError(f.reason, f.lines, this.consoleLogPath);
    if (f) return; // Still collecting init's log lines.
    const exit = this.qemu.exit;
    if (exit) throw this.diedError(exit);
  }

  private diedError(exit: QemuExit): QemuDiedError {
    const oops = this.oopses();
    const note = oops.length ? `${oops[0]!.rule} on console at line ${oops[0]!.line}: ${oops[0]!.text.trim()}` : undefined;
    return new QemuDiedError(exit.code, exit.signal, this.qemu.stderr(), this.consoleTail(), note, this.consoleLogPath);
  }

  private bootError(reason: string): BootError {
    return new BootError(reason, this.consoleTail(), this.consoleLogPath);
  }

  private waitReady(deadline: number): Promise<void> {
    return this.waitUntil(
      () => {
        this.checkAlive();
        return this.readyUptime !== undefined;
      },
      deadline,
      () =>
        this.bootError(
          `no VFSLAB-READY within ${this.opts.bootTimeoutMs ?? DEFAULT_BOOT_TIMEOUT_MS} ms (last stage: ${this.stages.at(-1)?.name ?? 'no console output'})`,
        ),
    );
  }

  /** The host key marker comes when sshd starts; init prints it before preparing pmem. */
  private waitHostKey(deadline: number): Promise<void> {
    return this.waitUntil(
      () => {
        this.checkAlive();
        if (this.hostKey) return true;
        if (this.readyUptime !== undefined) throw this.bootError('VFSLAB-READY came without a VFSLAB-HOSTKEY line');
        return false;
      },
      deadline,
      () =>
        this.bootError(
          `no VFSLAB-HOSTKEY within ${this.opts.bootTimeoutMs ?? DEFAULT_BOOT_TIMEOUT_MS} ms (last stage: ${this.stages.at(-1)?.name ?? 'no console output'})`,
        ),
    );
  }

  private async connectSsh(deadline: number): Promise<void> {
    if (!this.hostKey) throw this.bootError('no VFSLAB-HOSTKEY line before SSH');
    // Give up on SSH the moment QEMU dies or the caller aborts.
    const stop = new AbortController();
    const check = () => {
      try {
        this.checkAlive();
      } catch (e) {
        stop.abort(e);
      }
    };
    this.waiters.add(check);
    this.opts.signal?.addEventListener('abort', check, { once: true });
    try {
      this.ssh = await SshConnection.connect({
        port: this.port,
        privateKey: this.key.privateKey,
        hostKey: this.hostKey,
        timeoutMs: Math.max(1000, deadline - performance.now()),
        signal: stop.signal,
      });
      const r = await this.ssh.exec('true', { timeoutMs: Math.max(5000, deadline - performance.now()) });
      if (r.code !== 0) throw new SshError(`'true' exited ${r.code ?? r.signal}: ${r.stderr.trim()}`);
    } catch (e) {
      if (stop.signal.aborted && stop.signal.reason instanceof Error) throw stop.signal.reason;
      throw this.sshFailure(e);
    } finally {
      this.waiters.delete(check);
      this.opts.signal?.removeEventListener('abort', check);
    }
  }

  /** An SSH failure, unless it was really QEMU dying underneath. */
  private sshFailure(e: unknown): Error {
    if (this.qemu.exit) return this.diedError(this.qemu.exit);
    if (e instanceof SshError) {
      e.consoleTail = this.consoleTail();
      return e;
    }
    return e instanceof Error ? e : new SshError(String(e));
  }

  // ---- running ----

  private async guarded<T>(op: (ssh: SshConnection) => Promise<T>): Promise<T> {
    if (this.finished) throw new SshError('the guest was already shut down');
    if (!this.qemu.running) throw this.diedError(this.qemu.exit!);
    if (!this.ssh || this.ssh.closed) throw this.keptConsole(this.sshFailure(new SshError('no connection')));
    try {
      return await op(this.ssh);
    } catch (e) {
      // The connection drops a moment before QEMU's exit is reaped: prefer the real cause.
      if (e instanceof SshError) await settlesWithin(this.qemu.exited, 1000);
      const f = this.sshFailure(e);
      if (e instanceof VfslabError && f instanceof VfslabError) f.partialStdout ??= e.partialStdout;
      throw this.keptConsole(f);
    }
  }

  /** A lost connection or a command that never returned: the guest failed, and its console, which may say why, is kept and named. */
  private keptConsole(e: Error): Error {
    if (!(e instanceof VfslabError)) return e;
    this.failed = true;
    if (!e.message.includes(this.consoleLogPath)) e.message += consoleLogNote(this.consoleLogPath);
    return e;
  }

  exec(cmd: string, opts?: ExecOptions): Promise<ExecResult<string>> {
    return this.guarded((s) => s.exec(cmd, opts));
  }

  execBuffer(cmd: string, opts?: ExecOptions): Promise<ExecResult<Buffer>> {
    return this.guarded((s) => s.execBuffer(cmd, opts));
  }

  shell(win: { rows: number; cols: number; term: string }): Promise<ClientChannel> {
    return this.guarded((s) => s.shell(win));
  }

  upload(src: string | Buffer | Readable, remotePath: string, mode = 0o644, opts?: { timeoutMs?: number }): Promise<void> {
    return this.guarded((s) => s.upload(src, remotePath, mode, opts));
  }

  // ---- ending ----

  /** Powers the guest off over SSH, waits for QEMU to exit (kill fallback), and cleans up. */
  async shutdown(graceMs = 15_000): Promise<QemuExit> {
    this.expectExit = true;
    const canPowerOff = this.qemu.running && this.ssh !== undefined && !this.ssh.closed;
    if (canPowerOff) {
      // poweroff -f never reports back: the connection dies with the guest.
      this.ssh!.exec('poweroff -f', { timeoutMs: graceMs }).catch(() => undefined);
    }
    // Without SSH (sshd killed, connection lost) nothing will power the guest off: do not wait for it.
    const exit = await this.qemu.stop(canPowerOff ? graceMs : 0);
    await this.teardown(false);
    return exit;
  }

  /** Test seam (VFSLAB_TEST_FAULT=drop-ssh): the host destroys the SSH socket, as a network fault would. */
  dropConnection(): void {
    this.ssh?.destroy();
  }

  /** Test seam (VFSLAB_TEST_FAULT=kill-qemu): SIGKILL to QEMU, unannounced, as the OOM killer would. */
  killQemu(): void {
    this.qemu.signal('SIGKILL');
  }

  /** Kills QEMU at once and cleans up. */
  async kill(): Promise<QemuExit> {
    this.expectExit = true;
    const exit = await this.qemu.kill();
    await this.teardown(false);
    return exit;
  }

  private async teardown(bootFailed: boolean): Promise<void> {
    if (this.finished) return;
    this.finished = true;
    this.expectExit = true;
    this.ssh?.close();
    if (this.qemu) await this.qemu.kill();
    this.tail?.stop();
    this.tail = undefined;
    if (this.scanner && this.scanner.end().length) this.failed = true;
    this.dir.failed = this.failed || bootFailed;
    this.dir.keep = Boolean(this.opts.keepOnFailure) && this.dir.failed;
    this.dir.dispose();
  }
}
