// vfslab bisect: git bisect start/run/reset in a kernel tree with
// `vfslab bisect-step` as the oracle; prints the first bad commit and the log,
// and leaves the tree on the branch/commit it was on (also on Ctrl-C).
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { InputError } from '../../harness/errors.js';
import { checkTree, resolveRef, runGitBisect } from '../../harness/bisect/git.js';
import { parseCommandArgs } from './options.js';
import { oracleFlags, oracleUsage, parseOracle } from './bisect-common.js';

export const bisectUsage = `usage: vfslab bisect --good REF --bad REF --tree PATH [PREDICATE] [--runs N] SCENARIO...

Runs \`git bisect start BAD GOOD\` and \`git bisect run vfslab bisect-step ...\`
in the tree (which must be clean and not already bisecting), prints the first
bad commit and \`git bisect log\`, then \`git bisect reset\`: the tree is left on
the branch and commit it was on, even after Ctrl-C. Predicate and guest flags
are passed to every step (see vfslab bisect-step --help).

exit: 0 the first bad commit was found, 1 git bisect ended without one
(untestable commits hide it, or a step aborted), 2 bad input.

${oracleUsage}

examples:
  vfslab bisect --tree ~/linux --good v6.1 --bad HEAD tests/scenarios/lease/break-setsig-sifd.scenario
  vfslab bisect --tree ~/linux --good v6.1 --bad v6.2 --predicate oops --runs 3 stress.scenario`;

const flags = { ...oracleFlags, good: { type: 'string' }, bad: { type: 'string' }, tree: { type: 'string' }, help: { type: 'boolean', short: 'h' } } as const;

const vfslabBin = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/vfslab');

export async function bisectCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs('bisect', argv, flags, true);
  if (values.help) {
    console.log(bisectUsage);
    return 0;
  }
  if (!values.tree) throw new InputError('--tree', 'missing', 'the kernel git tree to bisect');
  if (!values.good || !values.bad) throw new InputError(values.good ? '--bad' : '--good', 'missing', 'a commit, tag or branch of the tree');
  const tree = path.resolve(values.tree);
  // Everything checked before git bisect starts: a bad flag must not become N "cannot test" steps.
  await parseOracle(values, positionals, 'bisect');
  await checkTree(tree);
  const good = await resolveRef(tree, '--good', values.good);
  const bad = await resolveRef(tree, '--bad', values.bad);
  const stepArgs: string[] = ['bisect-step', '--tree', tree];
  for (const k of Object.keys(oracleFlags) as (keyof typeof oracleFlags)[]) {
    const v = values[k];
    if (v !== undefined) stepArgs.push(`--${k}`, k === 'expect' || k === 'differs' || (k === 'profile' && v.includes('/')) ? path.resolve(v) : v);
  }
  stepArgs.push('--', ...positionals.map((p) => path.resolve(p)));
  const r = await runGitBisect({
    tree,
    good,
    bad,
    step: [vfslabBin, ...stepArgs],
    onOutput: (s) => process.stderr.write(s),
  });
  console.log('--- git bisect log ---');
  console.log(r.log.trim());
  if (r.firstBad) {
    console.log(`first bad commit: ${r.summary || r.firstBad}`);
    return 0;
  }
  console.log(`no first bad commit (git bisect run exit ${r.exitCode}):\n${r.tail}`);
  return 1;
}
