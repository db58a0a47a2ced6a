// vfslab bisect-step: one step of `git bisect run` in a kernel tree. Builds
// HEAD (out of tree, cached), boots it, runs the scenarios, and answers with
// git bisect's exit codes: 0 good, 1 bad, 125 cannot test; 128 bad input and
// 129 a vfslab bug abort the bisection (docs/bisect.md).
import path from 'node:path';
import { execa } from 'execa';
import { buildKernel, KernelBuildError, buildRoot, type Flavour } from '../../harness/kernel/build.js';
import { ConfigDroppedError } from '../../harness/kernel/config.js';
import { InputError, VfslabError } from '../../harness/errors.js';
import { STEP_EXIT, outcomeExit, type Decision } from '../../harness/bisect/verdict.js';
import {
  buildInputsChanged,
  findMemo,
  readBuildDeps,
  readState,
  sha256File,
  writeState,
  type LastBuild,
} from '../../harness/bisect/identical.js';
import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { parseCommandArgs } from './options.js';
import { buildProgressLog, judge, oracleFlags, oracleUsage, parseOracle, realRunOnce, type Oracle, type RunOnce } from './bisect-common.js';
import { progress } from './progress.js';

export const bisectStepUsage = `usage: vfslab bisect-step [--tree PATH] [PREDICATE] [--runs N] SCENARIO...

For \`git bisect run\` inside a kernel tree: builds the tree at HEAD (the cwd,
or --tree) with guest/kconfig/vfslab.config, out of tree under
images/build/bisect/ (the tree is only read; it must not be configured in
place), cached and with ccache; boots it with the stock initramfs; runs the
scenarios; judges them.

exit: 0 good, 1 bad, 125 cannot test (build failure, boot failure unrelated
to the predicate, guest/infrastructure error, undecided flaky runs).
128 bad input or missing set-up and 129 a vfslab bug abort git bisect
(never 2..124, 126, 127: git would take them for "bad").

A commit whose changes touch no file the previous build read is not rebuilt,
and a bzImage already judged under the same predicate is not booted again.

${oracleUsage}

examples:
  cd ~/linux && git bisect start v6.2 v6.1
  git bisect run /path/to/vfslab/bin/vfslab bisect-step /path/to/my.scenario
  vfslab bisect-step --tree ~/linux --predicate oops --runs 5 stress.scenario`;

const flags = { ...oracleFlags, tree: { type: 'string' }, help: { type: 'boolean', short: 'h' } } as const;

export const stepBuildName = 'bisect';
export const stepStateFile = (name: string): string => path.join(buildRoot, name, 'bisect-state.json');

export interface BuiltKernel {
  bzImage: string;
  key: string;
  /** false when make ran. */
  reused: boolean;
  srcDir: string;
  objDir: string;
}

export interface StepDeps {
  build: (tree: string, flavour: Flavour, log: (s: string) => void) => Promise<BuiltKernel>;
  runOnce: RunOnce;
}

export interface StepReport {
  decision: Decision;
  /** How the kernel was obtained: built, cache, identical (not rebuilt). */
  kernel: 'built' | 'cache' | 'identical';
  /** Set when the decision was reused for an identical bzImage. */
  reusedFrom?: string;
}

async function gitOut(tree: string, args: string[]): Promise<string | undefined> {
  const r = await execa('git', ['-C', tree, ...args], { reject: false });
  return r.exitCode === 0 ? r.stdout.trim() : undefined;
}

/** The running git bisect session's identity (BISECT_START's content and time), if one is running. */
async function bisectSession(tree: string): Promise<string | undefined> {
  const gitDir = await gitOut(tree, ['rev-parse', '--absolute-git-dir']);
  if (!gitDir) return undefined;
  const f = path.join(gitDir, 'BISECT_START');
  try {
    return `${(await stat(f)).mtimeMs} ${await readFile(f, 'utf8')}`.trim();
  } catch {
    return undefined;
  }
}

/**
 * The step without exit-code mapping: testable with a fake tree and fake
 * build/run functions. Build failures surface as exceptions for the caller to map.
 */
export async function stepCore(tree: string, oracle: Oracle, stateFile: string, deps: StepDeps, log: (s: string) => void): Promise<StepReport> {
  const top = await gitOut(tree, ['rev-parse', '--show-toplevel']);
  const head = top !== undefined && path.resolve(top) === path.resolve(tree) ? await gitOut(tree, ['rev-parse', 'HEAD']) : undefined;
  const dirty = head === undefined || (await gitOut(tree, ['status', '--porcelain'])) !== '';
  const state = await readState(stateFile);
  const last = state.lastBuild;
  let kernel: BuiltKernel | undefined;
  let how: StepReport['kernel'] = 'built';
  if (head && !dirty && last && last.srcDir === path.resolve(tree) && (last.flavour ?? 'default') === oracle.flavour && last.revision && existsSync(last.bzImage)) {
    const changed = await gitOut(tree, ['diff', '--name-only', last.revision, head]);
    if (changed !== undefined) {
      const files = changed.split('\n').filter(Boolean);
      const deps = await readBuildDeps(last.objDir, last.srcDir);
      const check = buildInputsChanged(files, deps);
      // No deps read means no evidence: build.
      if (deps.size > 0 && !check.changed) {
        log(`bisect: ${head.slice(0, 12)} changes ${files.length} file(s) since ${last.revision.slice(0, 12)}, none read by that build: identical kernel, not rebuilt`);
        kernel = { bzImage: last.bzImage, key: last.key, reused: true, srcDir: last.srcDir, objDir: last.objDir };
        how = 'identical';
      } else if (check.changed) {
        log(`bisect: build inputs changed since ${last.revision.slice(0, 12)}: ${check.inputs.join(', ')}${files.length > check.inputs.length ? ', ...' : ''}`);
      }
    }
  }
  if (!kernel) {
    kernel = await deps.build(tree, oracle.flavour, log);
    how = kernel.reused ? 'cache' : 'built';
    if (!kernel.reused) {
      const lb: LastBuild = { revision: dirty ? '' : (head ?? ''), key: kernel.key, bzImage: kernel.bzImage, srcDir: kernel.srcDir, objDir: kernel.objDir, flavour: oracle.flavour };
      state.lastBuild = lb;
      await writeState(stateFile, state);
    }
  }
  const sha = await sha256File(kernel.bzImage);
  // Verdicts are reused within one git bisect session only: the model may change between sessions.
  const fp = `${oracle.fingerprint} session ${(head && (await bisectSession(tree))) ?? `${process.pid}.${Date.now()}`}`;
  const memo = findMemo(state, sha, fp);
  if (memo) {
    log(`bisect: bzImage ${sha.slice(0, 12)} was judged at ${memo.revision || 'an earlier step'}: not booted again`);
    return { decision: { outcome: memo.outcome, counts: { runs: 0, pass: 0, fail: 0, invalid: 0 }, line: `${memo.line} (identical kernel, judged at ${memo.revision.slice(0, 12) || 'an earlier step'})` }, kernel: how, reusedFrom: memo.revision };
  }
  const decision = await judge(oracle, deps.runOnce, kernel.bzImage, oracle.profile, log);
  const fresh = await readState(stateFile); // a build above may have rewritten it
  fresh.memos.push({ bzImageSha: sha, fingerprint: fp, outcome: decision.outcome, line: decision.line, revision: head ?? '' });
  await writeState(stateFile, fresh);
  return { decision, kernel: how };
}

export function realBuild(name: string): StepDeps['build'] {
  return async (tree, flavour, log) => {
    const r = await buildKernel({ tree, flavour, name, log, onProgress: buildProgressLog(log), manifest: false });
    return { bzImage: r.bzImage, key: r.record.key, reused: r.reused, srcDir: r.srcDir, objDir: r.objDir };
  };
}

/** Maps anything a step can throw to git bisect's codes, with one message on stderr. */
export function stepErrorExit(e: unknown): number {
  if (e instanceof KernelBuildError) {
    console.error(`vfslab bisect-step: cannot test (125): ${e.detail()}`);
    return STEP_EXIT.skip;
  }
  if (e instanceof ConfigDroppedError) {
    // The tree at this commit cannot take our fragment: untestable, not bad input.
    console.error(`vfslab bisect-step: cannot test (125): ${e.message}`);
    return STEP_EXIT.skip;
  }
  if (e instanceof InputError || (e instanceof VfslabError && ['qemu-missing', 'kernel-missing', 'port-bind'].includes(e.kind))) {
    console.error(`vfslab bisect-step: ${e.message}\nvfslab bisect-step: exit 128 aborts git bisect (bad input or set-up, not a verdict); fix it and rerun`);
    return STEP_EXIT.input;
  }
  if (e instanceof VfslabError) {
    console.error(`vfslab bisect-step: cannot test (125): ${e.message}`);
    return STEP_EXIT.skip;
  }
  console.error('vfslab bisect-step: internal error (a vfslab bug; exit 129 aborts git bisect):', e);
  return STEP_EXIT.internal;
}

export async function bisectStepCommand(argv: string[]): Promise<number> {
  try {
    const { values, positionals } = parseCommandArgs('bisect-step', argv, flags, true);
    if (values.help) {
      console.log(bisectStepUsage);
      return 0;
    }
    const oracle = await parseOracle(values, positionals, 'bisect-step');
    const tree = path.resolve(values.tree ?? process.cwd());
    const log = progress();
    const r = await stepCore(tree, oracle, stepStateFile(stepBuildName), { build: realBuild(stepBuildName), runOnce: realRunOnce(oracle, log) }, log);
    const head = (await gitOut(tree, ['rev-parse', '--short=12', 'HEAD'])) ?? tree;
    console.log(`vfslab bisect-step ${head}: ${r.decision.line} -> exit ${outcomeExit(r.decision.outcome)}`);
    return outcomeExit(r.decision.outcome);
  } catch (e) {
    return stepErrorExit(e);
  }
}
