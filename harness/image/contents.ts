import { execa } from 'execa';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';

// What goes into the guest's initramfs: a list of entries, computed from the
// host's packages and the unpacked kernel, before anything is copied.
export type Entry =
  | { kind: 'file'; dest: string; src: string; mode?: number }
  | { kind: 'symlink'; dest: string; target: string }
  | { kind: 'text'; dest: string; text: string; mode?: number };

/** Host binaries the guest needs; their shared libraries follow via ldd. */
export const guestBinaries = [
  '/usr/sbin/dropbear',
  '/usr/bin/dropbearkey',
  '/usr/bin/ndctl',
  '/usr/sbin/mke2fs',
  '/usr/sbin/mkfs.xfs',
];

/** Modules the init may load, for every backend; dependencies are added. */
export const guestModules = ['virtio_pci', 'virtio_net', 'nd_pmem', 'dax_pmem', 'nfit', 'nd_e820', 'virtio_pmem', 'xfs'];

export class MissingHostFileError extends Error {
  readonly exitCode = 2;
}

function need(file: string): string {
  if (!existsSync(file)) {
    throw new MissingHostFileError(`image: ${file} is missing on this host; run \`make setup\``);
  }
  return file;
}

export async function sharedLibraries(binary: string): Promise<string[]> {
  const r = await execa('ldd', [binary], { reject: false });
  if (r.exitCode !== 0) return []; // static binary
  return [...r.stdout.matchAll(/(\/\S+)/g)].map((m) => m[1]!).filter((l) => !l.startsWith('/tmp'));
}

/** Each guest module with the files to insmod for it, dependencies first (host modprobe config ignored). */
export async function moduleLoadOrder(modulesRoot: string, release: string): Promise<Map<string, string[]>> {
  const order = new Map<string, string[]>();
  for (const m of guestModules) {
    const r = await execa('modprobe', ['-C', '/dev/null', '-d', modulesRoot, '-S', release, '--show-depends', m]);
    const files: string[] = [];
    for (const line of r.stdout.split('\n')) {
      const [verb, file] = line.trim().split(/\s+/);
      if (verb === 'insmod' && file) files.push(file);
    }
    order.set(m, files);
  }
  return order;
}

/**
 * A shell fragment the init sources: mod_NAME='guest paths to insmod',
 * dependencies first. The init loads from it with busybox insmod: kmod's
 * modprobe costs tens of milliseconds per call under TCG (it maps libcrypto
 * and parses the module indexes), on the path to SSH ready.
 */
export function moduleLoadTable(order: Map<string, string[]>, modulesRoot: string): string {
  const lines: string[] = [];
  for (const [name, files] of order) {
    if (!/^[A-Za-z0-9_]+$/.test(name)) throw new Error(`module name '${name}' is not a shell variable suffix`);
    const paths = files.map((f) => '/' + path.relative(modulesRoot, f));
    for (const p of paths) if (!/^[A-Za-z0-9_./-]+$/.test(p)) throw new Error(`module path '${p}' needs quoting`);
    lines.push(`mod_${name}='${paths.join(' ')}'`);
  }
  return lines.join('\n') + '\n';
}

export async function guestEntries(opts: {
  modulesRoot: string;
  release: string;
  initScript: string;
  probesDir: string;
}): Promise<Entry[]> {
  const out: Entry[] = [];
  const busybox = need('/bin/busybox');
  out.push({ kind: 'file', dest: 'bin/busybox', src: busybox, mode: 0o755 });
  const applets = (await execa(busybox, ['--list'])).stdout.split('\n').filter((a) => a && a !== 'busybox');
  // The kernel's request_module() execs /sbin/modprobe (its CONFIG_MODPROBE_PATH)
  // for every crypto lookup at boot; kmod's dynamically linked modprobe cost
  // ~0.3 s of TCG boot there, static busybox a few ms. The init itself loads
  // from /etc/vfslab/modules with insmod.
  for (const a of applets) if (a !== 'depmod') out.push({ kind: 'symlink', dest: `bin/${a}`, target: 'busybox' });
  out.push({ kind: 'symlink', dest: 'sbin/modprobe', target: '/bin/busybox' });

  const libs = new Set<string>();
  for (const b of guestBinaries) {
    out.push({ kind: 'file', dest: b.slice(1), src: need(b), mode: 0o755 });
    for (const l of await sharedLibraries(b)) libs.add(l);
  }
  for (const l of [...libs].sort()) out.push({ kind: 'file', dest: l.slice(1), src: l, mode: 0o755 });
  out.push({ kind: 'symlink', dest: 'usr/sbin/mkfs.ext4', target: 'mke2fs' });

  const order = await moduleLoadOrder(opts.modulesRoot, opts.release);
  const files = new Set<string>();
  for (const list of order.values()) for (const f of list) files.add(f);
  for (const f of [...files].sort()) {
    out.push({ kind: 'file', dest: path.relative(opts.modulesRoot, f), src: f, mode: 0o644 });
  }
  out.push({ kind: 'text', dest: 'etc/vfslab/modules.sh', text: moduleLoadTable(order, opts.modulesRoot) });
  const modDir = path.join(opts.modulesRoot, 'lib/modules', opts.release);
  for (const f of ['modules.order', 'modules.builtin', 'modules.builtin.modinfo']) {
    const src = path.join(modDir, f);
    if (existsSync(src)) out.push({ kind: 'file', dest: `lib/modules/${opts.release}/${f}`, src, mode: 0o644 });
  }

  if (existsSync(opts.probesDir)) {
    for (const p of readdirSync(opts.probesDir).sort()) {
      out.push({ kind: 'file', dest: `opt/vfslab/bin/${p}`, src: path.join(opts.probesDir, p), mode: 0o755 });
    }
  }
  out.push({ kind: 'file', dest: 'init', src: need(opts.initScript), mode: 0o755 });
  out.push({ kind: 'text', dest: 'etc/passwd', text: 'root:x:0:0:root:/root:/bin/sh\n' });
  out.push({ kind: 'text', dest: 'etc/group', text: 'root:x:0:\n' });
  out.push({ kind: 'text', dest: 'etc/shells', text: '/bin/sh\n' });
  return out;
}

/** The floor for benchmarks: the same kernel, busybox, an init that powers off. */
export function floorEntries(): Entry[] {
  return [
    { kind: 'file', dest: 'bin/busybox', src: need('/bin/busybox'), mode: 0o755 },
    { kind: 'symlink', dest: 'bin/sh', target: 'busybox' },
    { kind: 'text', dest: 'init', text: '#!/bin/busybox sh\n/bin/busybox echo VFSLAB-FLOOR-INIT\n/bin/busybox poweroff -f\n', mode: 0o755 },
  ];
}
