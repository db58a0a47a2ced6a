// Bisect step figures: node --import tsx harness/bench/bisect-step.ts
// Writes bench/bisect.json and bench/bisect.md. In a git tree of Debian's
// linux-source-6.1 (made once at images/build/bisect/src, hard links to the
// pristine source; there, objects share ccache hits with the other builds):
//   1. a warm-up step (on a first run: empty build dir, objects from ccache), not the target;
//   2. a step after a commit that edits fs/locks.c (incremental build, boot,
//      scenario): target <= 60 s;
//   3. a step after a Documentation-only commit, inside a git bisect session:
//      identical kernel, neither rebuilt nor booted.
// Each step is `vfslab bisect-step` as git bisect run would call it.
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { repoRoot } from '../paths.js';
import { buildRoot } from '../kernel/build.js';
import { ensureDebianSource } from '../kernel/source.js';

const log = (s: string): void => console.error(`bench: ${s}`);
const target = 60;
const tree = path.join(buildRoot, 'bisect', 'src');
const scenario = path.join(repoRoot, 'tests/fixtures/bisect/rdlck-wronly.scenario');
const vfslab = path.join(repoRoot, 'bin/vfslab');
const gitEnv = { GIT_AUTHOR_NAME: 'vfslab bench', GIT_AUTHOR_EMAIL: 'bench@vfslab.invalid', GIT_COMMITTER_NAME: 'vfslab bench', GIT_COMMITTER_EMAIL: 'bench@vfslab.invalid' };
const git = (...args: string[]) => execa('nice', ['-n', '10', 'git', '-C', tree, ...args], { env: gitEnv });

/** Replaces a file by a new inode: the tree is hard links to the pristine source. */
async function rewrite(file: string, text: string): Promise<void> {
  await unlink(file);
  await writeFile(file, text);
}

if (!existsSync(path.join(tree, '.git'))) {
  const src = await ensureDebianSource(log);
  log(`making a git tree of ${src.describe} at ${tree} (once)`);
  await rm(tree, { recursive: true, force: true });
  await mkdir(tree, { recursive: true });
  const top = (await execa('ls', ['-A', src.dir])).stdout.split('\n').filter((n) => n && !n.startsWith('.vfslab-'));
  await execa('cp', ['-al', ...top.map((n) => path.join(src.dir, n)), tree]);
  await git('init', '-q', '-b', 'main');
  await git('add', '-A', '-f'); // Debian's .gitignore ignores the whole top level
  await git('commit', '-q', '-m', 'linux-source-6.1');
}
// A previous interrupted run may have left a bisect or an edit behind.
await execa('git', ['-C', tree, 'bisect', 'reset'], { reject: false });
await git('reset', '-q', '--hard', 'HEAD');

interface Row {
  name: string;
  seconds: number;
  exit: number;
  target?: number;
  note: string;
}
const rows: Row[] = [];

async function step(name: string, note: string, tgt?: number): Promise<void> {
  const t0 = performance.now();
  const r = await execa(vfslab, ['bisect-step', '--tree', tree, scenario], { reject: false, all: true });
  const seconds = (performance.now() - t0) / 1000;
  const exit = r.exitCode ?? 128;
  rows.push({ name, seconds, exit, target: tgt, note });
  log(`${name}: ${seconds.toFixed(1)} s, exit ${exit}`);
  if (exit !== 0) log((r.all ?? '').split('\n').slice(-20).join('\n'));
}

await git('bisect', 'start');
try {
  await step('first step (warm-up)', 'builds whatever differs from the last build in images/build/bisect (all of it, from ccache, on a first run), boot, scenario');
  const locks = path.join(tree, 'fs', 'locks.c');
  const stamp = Date.now();
  // A global the linker keeps: an unused static would be optimised away, the bzImage would not change and the step would not boot.
  await rewrite(locks, `${await readFile(locks, 'utf8')}const char vfslab_bench_${stamp}[] = "${stamp}";\n`);
  await git('commit', '-q', '-a', '-m', 'locks: bench edit');
  await step('step after editing fs/locks.c', 'a definition added: fs/locks.c compiled (ccache miss), relink, boot, scenario', target);
  const doc = path.join(tree, 'Documentation', 'filesystems', 'locks.rst');
  await rewrite(doc, `${await readFile(doc, 'utf8')}\n.. bench ${stamp}\n`);
  await git('commit', '-q', '-a', '-m', 'docs: bench edit');
  await step('step after a Documentation-only commit', 'identical kernel: not rebuilt, verdict of the same bzImage reused (same bisect session)');
} finally {
  await execa('git', ['-C', tree, 'bisect', 'reset'], { reject: false });
  // Back to the pristine commit: the next run starts from the same tree.
  await git('reset', '-q', '--hard', 'HEAD~2').catch(() => undefined);
}

const machine = { cpus: os.availableParallelism(), cpuModel: os.cpus()[0]?.model ?? '?', memGiB: Math.round(os.totalmem() / 2 ** 30), load1: os.loadavg()[0] };
const result = {
  when: new Date().toISOString(),
  scenario: path.relative(repoRoot, scenario),
  machine,
  rows: rows.map((r) => ({ ...r, seconds: Math.round(r.seconds * 10) / 10, met: r.target === undefined ? undefined : r.seconds <= r.target })),
};
const outDir = path.join(repoRoot, 'bench');
await mkdir(outDir, { recursive: true });
await writeFile(path.join(outDir, 'bisect.json'), JSON.stringify(result, null, 2) + '\n');
const md = [
  '# Bisect step figures',
  '',
  `${result.when}, ${machine.cpus} CPUs (${machine.cpuModel}), ${machine.memGiB} GiB, load ${machine.load1?.toFixed(1)} at the end; builds under nice -n 10.`,
  `\`vfslab bisect-step --tree TREE ${result.scenario}\` in a git tree of Debian's linux-source-6.1; each row is one whole step (build, boot, scenario, verdict).`,
  '',
  '| step | seconds | exit | target | met | how |',
  '|---|---:|---:|---:|---|---|',
  ...result.rows.map((r) => `| ${r.name} | ${r.seconds.toFixed(1)} | ${r.exit} | ${r.target ?? ''} | ${r.met === undefined ? '' : r.met ? 'yes' : 'NO'} | ${r.note} |`),
  '',
  'Other engineers boot TCG guests on the same two cores, so a figure is an upper bound for an idle machine.',
  '',
].join('\n');
await writeFile(path.join(outDir, 'bisect.md'), md);
console.log(md);
