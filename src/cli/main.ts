// vfslab: the command line. Each command lives in its own file; this one only
// dispatches and turns errors into exit codes (README: 2 bad input, 3 infrastructure).
import { VfslabError } from '../../harness/errors.js';
import { installCleanupHandlers } from '../../harness/cleanup.js';
import { bootCommand } from './boot.js';
import { runCommand } from './run.js';
import { modelCommand } from './model.js';
import { reproCommand } from './repro.js';
import { kernelCommand } from './kernel.js';
import { bisectStepCommand } from './bisect-step.js';
import { bisectSeriesCommand } from './bisect-series.js';
import { bisectCommand } from './bisect.js';
import { mergeCommand } from './merge.js';
import { diffCommand } from './diff.js';
import { fuzzCommand } from './fuzz.js';

// Fixable by the user before anything boots (a flag, a file, set-up): exit 2.
// The rest (boot, QEMU death, SSH) is infrastructure: exit 3, never 1.
const setupKinds = new Set(['input', 'qemu-missing', 'kernel-missing', 'port-bind']);

type Command = { run: (argv: string[]) => Promise<number>; summary: string };

const commands: Record<string, Command> = {
  boot: { run: bootCommand, summary: 'boot a guest, run a command or a shell in it' },
  run: { run: runCommand, summary: 'run scenarios on a guest and check them against the model' },
  model: { run: modelCommand, summary: "print the model's prediction for a scenario (no VM)" },
  repro: { run: reproCommand, summary: 'write a standalone C reproducer for a scenario' },
  merge: { run: mergeCommand, summary: 'join --json results of shards into one (and JUnit)' },
  kernel: { run: kernelCommand, summary: 'build a kernel from source with guest/patches (vfslab kernel build)' },
  'bisect-step': { run: bisectStepCommand, summary: 'one git bisect run step: build HEAD, boot, judge (0 good, 1 bad, 125 skip)' },
  'bisect-series': { run: bisectSeriesCommand, summary: 'find the first patch of a quilt series that changes a scenario outcome' },
  bisect: { run: bisectCommand, summary: 'git bisect start/run/reset in a kernel tree with bisect-step as the oracle' },
  diff: { run: diffCommand, summary: 'run scenarios on two kernels and show where their traces differ, with the model on each side' },
  fuzz: { run: fuzzCommand, summary: 'generated scenarios against the model on one guest; divergences shrunk to a scenario and a C reproducer' },
};

function usage(): string {
  const lines = Object.entries(commands).map(([name, c]) => `  ${name.padEnd(13)} ${c.summary}`);
  return `usage: vfslab COMMAND [OPTIONS]

commands:
${lines.join('\n')}

vfslab COMMAND --help (or vfslab help COMMAND) shows a command's options,
exit codes and examples.

exit: 0 success; 1 a scenario diverged or the kernel oopsed; 2 bad input or
missing set-up (nothing boots); 3 infrastructure (boot, QEMU, SSH, build);
130/143 interrupted. bisect-step uses git bisect's codes (its --help).

examples:
  vfslab boot -- uname -r
  vfslab run tests/scenarios/lease
  vfslab model my.scenario
  vfslab help run`;
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    // `vfslab help COMMAND` is `vfslab COMMAND --help`.
    if (name === 'help' && rest[0] !== undefined && commands[rest[0]]) return commands[rest[0]]!.run(['--help']);
    console.log(usage());
    return name ? 0 : 2;
  }
  const cmd = commands[name];
  if (!cmd) {
    console.error(`vfslab: unknown command '${name}' (valid: ${Object.keys(commands).join(', ')})`);
    return 2;
  }
  return cmd.run(rest);
}

installCleanupHandlers();
try {
  process.exitCode = await main(process.argv.slice(2));
} catch (e) {
  if (e instanceof VfslabError) {
    const detail = 'detail' in e && typeof e.detail === 'function' ? (e.detail as () => string)() : e.message;
    console.error(`vfslab: ${detail}`);
    process.exitCode = setupKinds.has(e.kind) ? 2 : 3;
  } else if (e instanceof Error && 'exitCode' in e && typeof (e as { exitCode: unknown }).exitCode === 'number') {
    // Errors of set-up, image and results code carry their own exit code.
    console.error(`vfslab: ${e.message}`);
    process.exitCode = (e as unknown as { exitCode: number }).exitCode;
  } else {
    console.error('vfslab: internal error (a vfslab bug, please report):', e);
    process.exitCode = 70;
  }
}
