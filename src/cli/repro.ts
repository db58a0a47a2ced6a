// vfslab repro SCENARIO > repro.c: a standalone C reproducer for a bug report.
import { InputError } from '../../harness/errors.js';
import { generateRepro } from '../repro/generate.js';
import { parseCommandArgs } from './options.js';
import { loadScenarios } from './scenario-files.js';

export const reproUsage = `usage: vfslab repro SCENARIO_FILE > repro.c

Writes one C file that replays the scenario without vfslab and prints its
trace as JSON lines. Build and run it as root on the kernel under test:
  gcc -static -O2 -o repro repro.c && ./repro

exit: 0 written; 2 bad input (the scenario's file:line problems).

examples:
  vfslab repro tests/scenarios/lease/break-stale-sifd.scenario > repro.c
  vfslab repro my.scenario > repro.c && gcc -static -O2 -o repro repro.c`;

export async function reproCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs('repro', argv, { help: { type: 'boolean', short: 'h' } }, true);
  if (values.help) {
    console.log(reproUsage);
    return 0;
  }
  if (positionals.length !== 1) throw new InputError('vfslab repro', `takes one scenario file, got ${positionals.length}`, 'vfslab repro FILE.scenario > repro.c');
  const [scenario] = loadScenarios(positionals);
  process.stdout.write(generateRepro(scenario!));
  return 0;
}
