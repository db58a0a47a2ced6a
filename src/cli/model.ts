// vfslab model SCENARIO: the model's prediction for one scenario, no VM.
import { InputError } from '../../harness/errors.js';
import { formatPrediction, predict } from '../check/index.js';
import { parseCommandArgs } from './options.js';
import { loadScenarios } from './scenario-files.js';
import { resolveProfile } from './profile.js';

export const modelUsage = `usage: vfslab model SCENARIO_FILE [--profile stock|NAME|FILE]

Prints, step by step, the outcomes a kernel of the profile may produce, with
the kernel rules behind them. No guest is booted.

  --profile P     stock (default), a kernel name from images/manifest.json
                  (e.g. patched), or a profile JSON file

exit: 0 printed; 2 bad input (the scenario's file:line problems, an unknown
profile).

examples:
  vfslab model tests/scenarios/lease/break-setsig-sifd.scenario
  vfslab model --profile patched tests/scenarios/lease/shutdown-close-registered-fd.scenario`;

export async function modelCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs('model', argv, { profile: { type: 'string' }, help: { type: 'boolean', short: 'h' } }, true);
  if (values.help) {
    console.log(modelUsage);
    return 0;
  }
  if (positionals.length !== 1) throw new InputError('vfslab model', `takes one scenario file, got ${positionals.length}`, 'vfslab model FILE.scenario');
  const [scenario] = loadScenarios(positionals);
  const profile = await resolveProfile('stock', values.profile);
  console.log(formatPrediction(predict(scenario!, profile)));
  return 0;
}
