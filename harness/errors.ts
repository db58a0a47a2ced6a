// Typed errors for the host-side guest machinery. Infrastructure failures
// (QEMU missing, guest never booted, SSH broke) have their own classes so that
// callers never confuse them with a kernel behaving differently from the model.

export type ErrorKind =
  | 'input'
  | 'qemu-missing'
  | 'kernel-missing'
  | 'port-bind'
  | 'boot'
  | 'qemu-died'
  | 'ssh'
  | 'guest-init'
  | 'timeout';

export class VfslabError extends Error {
  readonly kind: ErrorKind;
  /** What a guest command wrote to stdout before it failed (a lost connection, a timeout): results so far. */
  partialStdout?: string;
  constructor(kind: ErrorKind, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.kind = kind;
    this.name = new.target.name;
  }
  /** Bad user input exits 2; everything else is an infrastructure failure. */
  get exitCode(): number {
    return this.kind === 'input' ? 2 : 1;
  }
}

/** Bad user input: `subject` names the flag or file, `valid` what would be accepted. */
export class InputError extends VfslabError {
  constructor(
    readonly subject: string,
    problem: string,
    readonly valid?: string,
  ) {
    super('input', `${subject}: ${problem}${valid ? ` (valid: ${valid})` : ''}`);
  }
}

export class QemuMissingError extends VfslabError {
  constructor(readonly binary: string, options?: { cause?: unknown }) {
    super('qemu-missing', `QEMU binary '${binary}' not found or not executable: run \`make setup\``, options);
  }
}

export class KernelMissingError extends VfslabError {
  constructor(readonly path: string, what: 'kernel' | 'initrd' = 'kernel') {
    super('kernel-missing', `guest ${what} '${path}' not found: run \`make setup\` (or pass an existing file)`);
  }
}

export class PortBindError extends VfslabError {
  constructor(readonly attempts: number, detail: string) {
    super(
      'port-bind',
      `could not bind a free 127.0.0.1 port for SSH forwarding after ${attempts} attempt(s): ${detail}; ` +
        'free some local ports or retry',
    );
  }
}

/** Lines of console shown in messages; the full tail stays on the error object. */
const SHOWN_TAIL_LINES = 15;

/** The end of a failure's message that names the console log kept for it (harness/workdir.ts). */
export function consoleLogNote(consoleLog: string): string {
  return `; console log: ${consoleLog}`;
}

/** consoleLogNote, or without a kept log a pointer to the tail in detail(), which is all there is. */
function consoleLogClause(consoleLog: string | undefined): string {
  return consoleLog ? consoleLogNote(consoleLog) : '; see the console tail';
}

function withTail(message: string, consoleTail: string): string {
  const shown = consoleTail.split('\n').slice(-SHOWN_TAIL_LINES).join('\n').trimEnd();
  return shown ? `${message}\n--- console tail ---\n${shown}` : message;
}

/** The guest never became ready (no VFSLAB-READY, or never answered SSH) before the deadline. */
export class BootError extends VfslabError {
  /** What QEMU said of a guest that was still running (status, registers), asked before the kill. */
  diagnosis?: string;
  constructor(
    readonly reason: string,
    readonly consoleTail: string,
    /** The console log file, kept after the failure (harness/workdir.ts). */
    readonly consoleLog?: string,
  ) {
    super('boot', `guest did not become ready: ${reason}${consoleLogClause(consoleLog)}`);
  }
  /** The one-line message plus the last console lines (and the diagnosis), for humans. */
  detail(): string {
    const d = withTail(this.message, this.consoleTail);
    return this.diagnosis ? `${d}\n--- QEMU before the kill ---\n${this.diagnosis.trimEnd()}` : d;
  }
}

export class QemuDiedError extends VfslabError {
  constructor(
    readonly qemuExitCode: number | null,
    readonly signal: string | null,
    readonly stderr: string,
    readonly consoleTail: string,
    /** A note from the console such as "kernel panic seen", since QEMU exits 0 after a panic. */
    readonly consoleNote?: string,
    /** The console log file, kept after the failure (harness/workdir.ts). */
    readonly consoleLog?: string,
  ) {
    const how = signal ? `killed by ${signal}` : `exited with code ${qemuExitCode}`;
    const err = stderr.trim().split('\n').filter(Boolean).pop();
    super(
      'qemu-died',
      `QEMU ${how} unexpectedly` +
        (consoleNote ? ` (${consoleNote})` : '') +
        (err ? `: ${err}` : '') +
        consoleLogClause(consoleLog),
    );
  }
  detail(): string {
    return withTail(this.message, this.consoleTail);
  }
}

export class SshError extends VfslabError {
  consoleTail: string;
  constructor(message: string, options?: { cause?: unknown; consoleTail?: string }) {
    super('ssh', `SSH to guest: ${message}`, options);
    this.consoleTail = options?.consoleTail ?? '';
  }
  detail(): string {
    return withTail(this.message, this.consoleTail);
  }
}

/** guest/init printed VFSLAB-INIT-FAILED: the guest image or cmdline is wrong, not the kernel under test. */
export class GuestInitError extends VfslabError {
  constructor(
    readonly reason: string,
    readonly logLines: string[],
    readonly consoleLog?: string,
  ) {
    super(
      'guest-init',
      `guest init failed: ${reason}; check the image (\`make setup\`) and the vfslab.* options` + (consoleLog ? consoleLogNote(consoleLog) : ''),
    );
  }
  detail(): string {
    return withTail(this.message, this.logLines.join('\n'));
  }
}

export class TimeoutError extends VfslabError {
  constructor(
    readonly what: string,
    readonly timeoutMs: number,
  ) {
    super('timeout', `${what} timed out after ${timeoutMs} ms; raise the timeout if the machine is loaded`);
  }
}
