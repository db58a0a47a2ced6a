// A standalone C reproducer for one scenario, for a bug report: the runner's
// source in one file with the scenario's plan built in. It needs only
// `gcc -static -Wall` and prints the same JSON-lines trace as vfslab.
import type { Scenario } from '../scenario/ast.js';
import { printScenario } from '../scenario/print.js';
import { serializePlan, type WireOptions } from '../scenario/wire.js';
import { amalgamate, loadRunnerSource, type RunnerSource } from './runner-source.js';

/** A C string literal, one source line per plan line. */
export function cString(text: string): string {
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  return lines
    .map((l) => {
      let s = '';
      for (const ch of l + '\n') {
        const c = ch.charCodeAt(0);
        if (ch === '\\' || ch === '"') s += '\\' + ch;
        else if (ch === '\n') s += '\\n';
        else if (c < 0x20 || c > 0x7e) throw new Error(`plan text has a non-ASCII byte (U+${c.toString(16)})`);
        else if (ch === '?') s += '\\?'; // no trigraphs
        else s += ch;
      }
      return `\t"${s}"`;
    })
    .join('\n');
}

/** Text safe inside a C block comment. */
function commentText(text: string): string {
  return text
    .replace(/\*\//g, '* /')
    .split('\n')
    .map((l) => (l ? ` * ${l}` : ' *'))
    .join('\n');
}

export interface ReproOptions extends WireOptions {
  /** The runner sources; read from guest/probes/runner when absent. */
  source?: RunnerSource;
}

export function generateRepro(scenario: Scenario, opts: ReproOptions = {}): string {
  const { source, ...wire } = opts;
  const plan = serializePlan([scenario], wire);
  const header = [
    `vfslab reproducer for scenario "${scenario.name}"${scenario.file ? ` (${scenario.file})` : ''}`,
    '',
    'Build and run (as root, in a directory on the filesystem under test):',
    '  gcc -static -Wall -O2 -o repro repro.c',
    '  ./repro            # runs the scenario below in ./s-0',
    '  ./repro --help     # settle time, watchdog, directory',
    '',
    'It prints one JSON line per observation: each step done (ret, errno,',
    'results) or blocked, signals caught (signo, si_code, si_fd, si_band),',
    'process exits. The scenario, in vfslab scenario syntax:',
    '',
    ...printScenario(scenario).trimEnd().split('\n').map((l) => `  ${l}`),
    '',
    'The same scenario as the plan the program runs:',
    '',
    ...plan.trimEnd().split('\n').map((l) => `  ${l}`),
  ].join('\n');
  return [
    `/*\n${commentText(header)}\n */`,
    'static const char vfslab_plan_text[] =',
    cString(plan) + ';',
    '#define VFSLAB_EMBEDDED_PLAN vfslab_plan_text',
    '',
    amalgamate(source ?? loadRunnerSource()),
  ].join('\n');
}
