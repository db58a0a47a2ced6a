// Kernel build figures: node --import tsx harness/bench/kernel.ts
// Writes bench/kernel.json and bench/kernel.md. Measures, with the project's
// series and fragment (kernels.patched):
//   1. clean build, ccache in recache mode (every object compiled): the cold cost;
//   2. clean build, ccache warm: what a fresh copy of the tree costs;
//   3. rebuild after touching fs/locks.c (same content, ccache hit);
//   4. rebuild after editing fs/locks.c (a definition added: a real compile).
// BENCH_KERNEL_COLD=0 skips 1 (about 5 minutes of both cores).
// Figures, not pass/fail tests; builds run under nice like every vfslab build.
import { readFile, unlink, writeFile, mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { buildKernel, compilerIdentity, runMake, type BuildResult, type CcacheMode } from '../kernel/build.js';
import { repoRoot } from '../paths.js';

const log = (s: string): void => console.error(`bench: ${s}`);
const cold = process.env['BENCH_KERNEL_COLD'] !== '0';
const targets = { clean: 360, rebuild: 30 }; // seconds, issue 7

interface Row {
  name: string;
  seconds: number;
  target?: number;
  note: string;
}
const rows: Row[] = [];

async function timedBuild(name: string, opts: { ccache: CcacheMode }, note: string, target?: number): Promise<BuildResult> {
  const t0 = performance.now();
  const r = await buildKernel({ flavour: 'default', log, force: true, clean: true, ccache: opts.ccache });
  const seconds = (performance.now() - t0) / 1000;
  rows.push({ name, seconds, target, note });
  log(`${name}: ${seconds.toFixed(1)} s`);
  return r;
}

/** Replaces a file by a new inode: the patched tree is hard links to the pristine one. */
async function rewrite(file: string, text: string): Promise<void> {
  await unlink(file);
  await writeFile(file, text);
}

async function timedRemake(name: string, r: BuildResult, note: string, target: number): Promise<void> {
  const logPath = path.join(path.dirname(r.objDir), 'bench-rebuild.log');
  const t0 = performance.now();
  await runMake({ srcDir: r.srcDir, objDir: r.objDir, targets: ['bzImage'], logPath });
  const seconds = (performance.now() - t0) / 1000;
  rows.push({ name, seconds, target, note });
  log(`${name}: ${seconds.toFixed(1)} s`);
}

let built: BuildResult | undefined;
if (cold) built = await timedBuild('clean build, cold', { ccache: 'recache' }, 'empty build dir, CCACHE_RECACHE: every object compiled', targets.clean);
built = await timedBuild('clean build, warm ccache', { ccache: 'use' }, 'empty build dir, every object a ccache hit');

const locks = path.join(built.srcDir, 'fs', 'locks.c');
const original = await readFile(locks, 'utf8');
const now = new Date();
await execa('touch', ['-d', now.toISOString(), locks]);
await timedRemake('rebuild after touching fs/locks.c', built, 'same content: ccache hit, relink', targets.rebuild);
try {
  // Code, not a comment: ccache's preprocessor mode would turn a comment-only change into a hit.
  await rewrite(locks, `${original}static const char vfslab_bench_${now.getTime()}[] __maybe_unused = "${now.toISOString()}";\n`);
  await timedRemake('rebuild after editing fs/locks.c', built, 'a definition added: fs/locks.c compiled (ccache miss), relink', targets.rebuild);
} finally {
  await rewrite(locks, original);
  await runMake({ srcDir: built.srcDir, objDir: built.objDir, targets: ['bzImage'], logPath: path.join(path.dirname(built.objDir), 'bench-rebuild.log') });
}

const machine = { cpus: os.availableParallelism(), cpuModel: os.cpus()[0]?.model ?? '?', memGiB: Math.round(os.totalmem() / 2 ** 30), load1: os.loadavg()[0] };
const result = {
  when: new Date().toISOString(),
  kernel: { release: built.entry.release, key: built.record.key, features: built.entry.profile.features, compiler: await compilerIdentity() },
  machine,
  rows: rows.map((r) => ({ ...r, seconds: Math.round(r.seconds * 10) / 10, met: r.target === undefined ? undefined : r.seconds <= r.target })),
};
const outDir = path.join(repoRoot, 'bench');
await mkdir(outDir, { recursive: true });
await writeFile(path.join(outDir, 'kernel.json'), JSON.stringify(result, null, 2) + '\n');
const md = [
  '# Kernel build figures',
  '',
  `${result.when}, ${machine.cpus} CPUs (${machine.cpuModel}), ${machine.memGiB} GiB, load ${machine.load1?.toFixed(1)} at the end; builds under nice -n 10.`,
  `Kernel ${result.kernel.release} (patched, fragment guest/kconfig/vfslab.config), ${result.kernel.compiler}.`,
  '',
  '| step | seconds | target | met | how |',
  '|---|---:|---:|---|---|',
  ...result.rows.map((r) => `| ${r.name} | ${r.seconds.toFixed(1)} | ${r.target ?? ''} | ${r.met === undefined ? '' : r.met ? 'yes' : 'NO'} | ${r.note} |`),
  '',
  ...(cold ? [] : ['The cold clean build was skipped (BENCH_KERNEL_COLD=0).', '']),
  'Other engineers boot TCG guests on the same two cores, so a figure is an upper bound for an idle machine.',
  '',
].join('\n');
await writeFile(path.join(outDir, 'kernel.md'), md);
console.log(md);
