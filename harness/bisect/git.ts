// Driving `git bisect` in a user's tree: start, run a step command, reset, and
// leave the tree as it was found (HEAD, branch, working tree), even when the
// run is interrupted. The tree must be clean and not already bisecting.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { execa, execaSync } from 'execa';
import { InputError } from '../errors.js';
import { onCleanup } from '../cleanup.js';

export interface TreeState {
  /** refs/heads/NAME when on a branch, else undefined (detached). */
  branch: string | undefined;
  head: string;
}

async function git(tree: string, args: string[]): Promise<string> {
  const r = await execa('git', ['-C', tree, ...args], { reject: false });
  if (r.exitCode !== 0) throw new Error(`git ${args.join(' ')} in ${tree} failed: ${r.stderr.trim() || r.stdout.trim()}`);
  return r.stdout.trim();
}

export async function treeState(tree: string): Promise<TreeState> {
  const head = await git(tree, ['rev-parse', 'HEAD']);
  const b = await execa('git', ['-C', tree, 'symbolic-ref', '-q', 'HEAD'], { reject: false });
  return { head, branch: b.exitCode === 0 ? b.stdout.trim() : undefined };
}

/** Refuses a tree git bisect would damage or that is mid-bisect; names the fix. */
export async function checkTree(tree: string): Promise<void> {
  const top = await execa('git', ['-C', tree, 'rev-parse', '--show-toplevel'], { reject: false });
  if (top.exitCode !== 0) throw new InputError('--tree', `'${tree}' is not a git work tree`, 'the top of a git checkout of a kernel');
  const gitDir = await git(tree, ['rev-parse', '--absolute-git-dir']);
  if (existsSync(path.join(gitDir, 'BISECT_START'))) {
    throw new InputError('--tree', `${tree} is already bisecting`, 'finish it with `git bisect reset` there first');
  }
  const status = await git(tree, ['status', '--porcelain', '--untracked-files=no']);
  if (status) {
    throw new InputError('--tree', `${tree} has uncommitted changes (${status.split('\n').length} file(s)); bisect checkouts would carry or lose them`, 'commit or stash them first');
  }
}

export async function resolveRef(tree: string, flag: string, ref: string): Promise<string> {
  const r = await execa('git', ['-C', tree, 'rev-parse', '--verify', '--quiet', `${ref}^{commit}`], { reject: false });
  if (r.exitCode !== 0) throw new InputError(flag, `'${ref}' is not a commit in ${tree}`);
  return r.stdout.trim();
}

/** Puts the tree back: ends any bisect and checks out the branch or commit it was on. Synchronous (also runs on signals). */
export function restoreTree(tree: string, state: TreeState): void {
  const run = (args: string[]): void => {
    execaSync('git', ['-C', tree, ...args], { reject: false, stdio: 'ignore' });
  };
  run(['bisect', 'reset']);
  const now = execaSync('git', ['-C', tree, 'rev-parse', 'HEAD'], { reject: false }).stdout.trim();
  const sym = execaSync('git', ['-C', tree, 'symbolic-ref', '-q', 'HEAD'], { reject: false });
  const onBranch = sym.exitCode === 0 ? sym.stdout.trim() : undefined;
  if (now === state.head && onBranch === state.branch) return;
  if (state.branch) run(['checkout', '--quiet', state.branch.replace(/^refs\/heads\//, '')]);
  else run(['checkout', '--quiet', '--detach', state.head]);
}

export interface BisectRunOptions {
  tree: string;
  good: string;
  bad: string;
  /** argv of the step command (run by git bisect run in the tree). */
  step: string[];
  /** Streams git's and the step's output. */
  onOutput?: (chunk: string) => void;
}

export interface BisectRunResult {
  /** The first bad commit, when git bisect found it. */
  firstBad?: string;
  /** The commit line and subject git printed. */
  summary: string;
  log: string;
  /** git bisect run's exit code (0 when it found the commit). */
  exitCode: number;
  /** The last part of the output, for a failure message. */
  tail: string;
}

/** Pure: the first bad commit from `git bisect run` output. */
export function parseFirstBad(output: string): string | undefined {
  return /^([0-9a-f]{7,64}) is the first bad commit$/m.exec(output)?.[1];
}

/**
 * git bisect start BAD GOOD; git bisect run STEP...; git bisect log; then the
 * tree is restored (also on SIGINT/SIGTERM, through the cleanup registry).
 */
export async function runGitBisect(o: BisectRunOptions): Promise<BisectRunResult> {
  const state = await treeState(o.tree);
  let group: number | undefined;
  // On a signal: stop the steps first (their own handlers kill QEMU), then put the tree back.
  const unregister = onCleanup(() => {
    if (group !== undefined) stopGroup(group);
    restoreTree(o.tree, state);
  });
  try {
    await git(o.tree, ['bisect', 'start', o.bad, o.good]);
    let out = '';
    // Own process group, so that a SIGTERM to us (not only a terminal's Ctrl-C) reaches every step.
    const proc = execa('git', ['-C', o.tree, 'bisect', 'run', ...o.step], { reject: false, all: true, buffer: false, cwd: o.tree, detached: true });
    group = proc.pid;
    proc.all?.on('data', (d: Buffer) => {
      const s = d.toString('utf8');
      out += s;
      if (out.length > 4_000_000) out = out.slice(-2_000_000);
      o.onOutput?.(s);
    });
    const r = await proc;
    group = undefined;
    const log = (await execa('git', ['-C', o.tree, 'bisect', 'log'], { reject: false })).stdout;
    const firstBad = parseFirstBad(out);
    let summary = '';
    if (firstBad) summary = await git(o.tree, ['log', '-1', '--format=%H %s', firstBad]).catch(() => firstBad);
    return { firstBad, summary, log, exitCode: r.exitCode ?? 128, tail: out.split('\n').slice(-15).join('\n') };
  } finally {
    unregister();
    restoreTree(o.tree, state);
  }
}

/** SIGTERM to a process group, then up to 10 s for it to go (synchronous: runs from exit handlers). */
export function stopGroup(pgid: number): void {
  // kill(-pgid, 0) also succeeds for zombies, which nobody reaps while an exit handler runs: read /proc.
  const alive = (): boolean => {
    for (const pid of readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        if (Number(pgrp) === pgid && state !== 'Z') return true;
      } catch {
        // gone meanwhile
      }
    }
    return false;
  };
  if (!alive()) return;
  try {
    process.kill(-pgid, 'SIGTERM');
  } catch {
    return;
  }
  const tick = new Int32Array(new SharedArrayBuffer(4));
  for (let waited = 0; waited < 10_000 && alive(); waited += 100) Atomics.wait(tick, 0, 0, 100);
  if (alive()) {
    try {
      process.kill(-pgid, 'SIGKILL');
    } catch {
      // gone meanwhile
    }
  }
}
