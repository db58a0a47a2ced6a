// vfslab merge OUT.json IN.json...: joins the --json results of shards (or
// of runs on several guests) into one, and can write JUnit and a report.
import { existsSync, readFileSync } from 'node:fs';
import { InputError } from '../../harness/errors.js';
import { parseCommandArgs } from './options.js';
import { checkOutputPaths, writeResults } from './results-files.js';
import { RESULTS_VERSION, type RunResults } from '../report/types.js';
import { emptyTally, tally, tallyLine } from './tap-output.js';

export const mergeUsage = `usage: vfslab merge OUT.json IN.json... [--junit FILE]

Joins results written by \`vfslab run --json\` (e.g. one per CI shard) into
OUT.json, and optionally a JUnit file for the whole suite. OUT.json must not
exist yet (nothing is overwritten).

exit: 0 every merged scenario passed or was skipped; 1 one diverged; 2 bad
input (a missing or foreign input file, an existing output); 3 one had an
infrastructure error.

examples:
  vfslab merge all.json shard1.json shard2.json shard3.json --junit all.xml
  vfslab merge all.json results/*.json`;

export function readResults(file: string): RunResults {
  if (!existsSync(file)) throw new InputError(file, 'no such file', 'a results file written by vfslab run --json');
  let r: Partial<RunResults>;
  try {
    r = JSON.parse(readFileSync(file, 'utf8')) as Partial<RunResults>;
  } catch (e) {
    throw new InputError(file, `not JSON (${(e as Error).message})`, 'a results file written by vfslab run --json');
  }
  if (r.version !== RESULTS_VERSION || !Array.isArray(r.scenarios) || !Array.isArray(r.metadata)) {
    throw new InputError(file, `not a vfslab results file of version ${RESULTS_VERSION}`, 'a results file written by this version of vfslab run --json');
  }
  return r as RunResults;
}

export function mergeResults(parts: RunResults[]): RunResults {
  return { version: RESULTS_VERSION, metadata: parts.flatMap((p) => p.metadata), scenarios: parts.flatMap((p) => p.scenarios) };
}

export async function mergeCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs('merge', argv, { junit: { type: 'string' }, help: { type: 'boolean', short: 'h' } }, true);
  if (values.help) {
    console.log(mergeUsage);
    return 0;
  }
  const [out, ...inputs] = positionals;
  if (!out || inputs.length === 0) throw new InputError('vfslab merge', 'needs an output and at least one input', 'vfslab merge OUT.json IN.json...');
  checkOutputPaths({ json: out, junit: values.junit });
  const merged = mergeResults(inputs.map(readResults));
  writeResults({ json: out, junit: values.junit }, merged, { scenarios: [], profile: { name: '', version: '', features: {} }, consoles: {} });
  const t = emptyTally();
  for (const s of merged.scenarios) tally(t, s);
  console.log(`merged ${inputs.length} file(s), ${merged.scenarios.length} scenarios: ${tallyLine(t)}`);
  return t.diverged > 0 ? 1 : t.infra > 0 ? 3 : 0;
}
