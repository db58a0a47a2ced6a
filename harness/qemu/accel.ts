// Chooses KVM or TCG. /dev/kvm existing is not enough: on some hosts a KVM
// guest hangs before the kernel prints anything. So `auto` runs a short canary
// boot under KVM and trusts KVM only if the kernel printed in time; the verdict
// is cached per host/QEMU/kernel so the canary runs once.
import { execFileSync, spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { onCleanup } from '../cleanup.js';
import { InputError, QemuMissingError } from '../errors.js';
import type { Accel } from './args.js';
import { resolveBinary } from './process.js';

export type AccelRequest = 'auto' | Accel;
export const ACCEL_REQUESTS: readonly AccelRequest[] = ['auto', 'kvm', 'tcg'];

export interface CanaryResult {
  /** The kernel printed "Linux version" before the deadline. */
  printed: boolean;
  elapsedMs: number;
  detail: string;
}

export interface AccelVerdict {
  accel: Accel;
  source: 'requested' | 'no-kvm' | 'cache' | 'canary';
  reason: string;
}

export interface HostFacts {
  hostname: string;
  qemuVersion: string;
  hostKernel: string;
  /** Identifies the guest kernel file cheaply: path, size, mtime. */
  kernelId: string;
}

// ---- pure decision logic ----

export function accelCacheKey(f: HostFacts): string {
  return crypto
    .createHash('sha256')
    .update(JSON.stringify([f.hostname, f.qemuVersion, f.hostKernel, f.kernelId]))
    .digest('hex')
    .slice(0, 32);
}

/** The verdict without a canary, or 'canary' when one must run. */
export function planAccel(req: AccelRequest, kvmUsable: boolean, cached: Accel | undefined): AccelVerdict | 'canary' {
  if (req === 'tcg') return { accel: 'tcg', source: 'requested', reason: '--accel tcg' };
  if (req === 'kvm') {
    if (!kvmUsable) throw new InputError('--accel', 'kvm requested but /dev/kvm is missing or not read/writable', 'auto|tcg');
    return { accel: 'kvm', source: 'requested', reason: '--accel kvm' };
  }
  if (!kvmUsable) return { accel: 'tcg', source: 'no-kvm', reason: '/dev/kvm missing or not read/writable' };
  if (cached) return { accel: cached, source: 'cache', reason: `cached canary verdict: ${cached}` };
  return 'canary';
}

export function verdictFromCanary(r: CanaryResult): AccelVerdict {
  return r.printed
    ? { accel: 'kvm', source: 'canary', reason: `KVM canary kernel printed after ${r.elapsedMs} ms` }
    : { accel: 'tcg', source: 'canary', reason: `KVM canary failed (${r.detail}): using TCG` };
}

// ---- I/O ----

export function kvmUsable(dev = '/dev/kvm'): boolean {
  try {
    fs.accessSync(dev, fs.constants.R_OK | fs.constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

export function defaultCacheFile(): string {
  const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, 'vfslab', 'accel.json');
}

type CacheFile = Record<string, { accel: Accel; reason: string; at: string }>;

function readCache(file: string): CacheFile {
  try {
    const data: unknown = JSON.parse(fs.readFileSync(file, 'utf8'));
    return data && typeof data === 'object' ? (data as CacheFile) : {};
  } catch {
    return {};
  }
}

function writeCache(file: string, key: string, v: AccelVerdict): void {
  const cache = readCache(file);
  cache[key] = { accel: v.accel, reason: v.reason, at: new Date().toISOString() };
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(cache, null, 2) + '\n');
  fs.renameSync(tmp, file);
}

export function hostFacts(qemu: string, kernel: string): HostFacts {
  const st = fs.statSync(kernel);
  let out: string;
  try {
    out = execFileSync(resolveBinary(qemu), ['--version'], { encoding: 'utf8', timeout: 10_000, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    // A QEMU that cannot even print its version is as good as missing.
    if (e instanceof QemuMissingError) throw e;
    throw new QemuMissingError(qemu, { cause: e });
  }
  return {
    hostname: os.hostname(),
    qemuVersion: out.split('\n')[0] ?? '',
    hostKernel: os.release(),
    kernelId: `${path.resolve(kernel)}:${st.size}:${Math.trunc(st.mtimeMs)}`,
  };
}


/**
 * Boots `kernel` alone under KVM with the serial console on a pipe, and waits
 * up to timeoutMs for "Linux version". The QEMU is always killed.
 */
export async function runKvmCanary(qemu: string, kernel: string, timeoutMs = 4000, accel: Accel = 'kvm'): Promise<CanaryResult> {
  // `accel` exists so tests can show the canary does succeed when a kernel boots (TCG).
  const args = [
    ...['-M', 'q35', '-accel', accel, '-cpu', 'max', '-smp', '1', '-m', '256M'],
    ...['-nodefaults', '-no-user-config', '-display', 'none', '-no-reboot', '-monitor', 'none'],
    ...['-serial', 'stdio', '-kernel', kernel, '-append', 'console=ttyS0 panic=-1'],
  ];
  const start = performance.now();
  const child = spawn(resolveBinary(qemu), args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const unregister = onCleanup(() => child.kill('SIGKILL'));
  let out = '';
  let err = '';
  const closed = new Promise<void>((r) => child.once('close', () => r()));
  try {
    return await new Promise<CanaryResult>((resolve) => {
      const elapsed = () => Math.round(performance.now() - start);
      const timer = setTimeout(() => resolve({ printed: false, elapsedMs: elapsed(), detail: `no kernel output within ${timeoutMs} ms` }), timeoutMs);
      child.stdout.on('data', (d: Buffer) => {
        out = (out + d.toString('latin1')).slice(-4096);
        if (out.includes('Linux version')) {
          clearTimeout(timer);
          resolve({ printed: true, elapsedMs: elapsed(), detail: 'kernel printed' });
        }
      });
      child.stderr.on('data', (d: Buffer) => {
        err = (err + d.toString()).slice(-2048);
      });
      child.once('close', (code, signal) => {
        clearTimeout(timer);
        resolve({ printed: false, elapsedMs: elapsed(), detail: `QEMU exited (${signal ?? code}) ${err.trim()}`.trim() });
      });
      child.once('error', (e) => {
        clearTimeout(timer);
        resolve({ printed: false, elapsedMs: elapsed(), detail: `spawn failed: ${e.message}` });
      });
    });
  } finally {
    child.kill('SIGKILL');
    await closed;
    unregister();
  }
}

export interface ResolveAccelOptions {
  qemu: string;
  kernel: string;
  cacheFile?: string;
  timeoutMs?: number;
  /** For tests: replace the probes. */
  isKvmUsable?: () => boolean;
  canary?: (qemu: string, kernel: string, timeoutMs: number) => Promise<CanaryResult>;
  facts?: () => HostFacts;
}

export async function resolveAccel(req: AccelRequest, opts: ResolveAccelOptions): Promise<AccelVerdict> {
  if (!ACCEL_REQUESTS.includes(req)) throw new InputError('--accel', `unknown value '${req}'`, ACCEL_REQUESTS.join('|'));
  const usable = (opts.isKvmUsable ?? kvmUsable)();
  const cacheFile = opts.cacheFile ?? defaultCacheFile();
  let key: string | undefined;
  let cached: Accel | undefined;
  if (req === 'auto' && usable) {
    key = accelCacheKey((opts.facts ?? (() => hostFacts(opts.qemu, opts.kernel)))());
    const hit = readCache(cacheFile)[key]?.accel;
    cached = hit === 'kvm' || hit === 'tcg' ? hit : undefined;
  }
  const plan = planAccel(req, usable, cached);
  if (plan !== 'canary') return plan;
  const timeoutMs = opts.timeoutMs ?? 4000;
  const verdict = verdictFromCanary(await (opts.canary ?? runKvmCanary)(opts.qemu, opts.kernel, timeoutMs));
  if (key) {
    try {
      writeCache(cacheFile, key, verdict);
    } catch {
      // An unwritable cache only costs a canary next time.
    }
  }
  return verdict;
}
