// Finding and parsing scenario files for the CLI: every error from every file
// is reported with file:line before anything runs.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { InputError } from '../../harness/errors.js';
import { formatScenarioError, parseScenario } from '../scenario/parse.js';
import type { Scenario } from '../scenario/ast.js';

export const SCENARIO_EXT = '.scenario';

export function collectScenarioFiles(args: readonly string[]): string[] {
  const out: string[] = [];
  const walk = (p: string): void => {
    let st;
    try {
      st = statSync(p);
    } catch {
      throw new InputError(p, 'no such file or directory', `scenario files (*${SCENARIO_EXT}) or directories holding them`);
    }
    if (st.isDirectory()) {
      for (const e of readdirSync(p).sort()) {
        const child = path.join(p, e);
        if (statSync(child).isDirectory() || e.endsWith(SCENARIO_EXT)) walk(child);
      }
    } else out.push(p);
  };
  for (const a of args) walk(a);
  return out;
}

export class ScenarioFileErrors extends InputError {
  constructor(readonly lines: string[]) {
    super('scenario files', `${lines.length} error(s):\n${lines.join('\n')}`);
  }
}

export function loadScenarios(files: readonly string[]): Scenario[] {
  const errors: string[] = [];
  const scenarios: Scenario[] = [];
  for (const f of files) {
    const r = parseScenario(readFileSync(f, 'utf8'), f);
    if (r.ok) scenarios.push(r.scenario);
    else errors.push(...r.errors.map(formatScenarioError));
  }
  if (errors.length) throw new ScenarioFileErrors(errors);
  return scenarios;
}
