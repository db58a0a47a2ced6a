// What a fuzz finding is written as: the minimal scenario (with a comment
// saying where it came from and how to regenerate it), the JSON record, and
// the command line that replays it. Text only; src/cli/fuzz.ts writes files.

import type { Scenario } from '../scenario/ast.js';
import { printScenario } from '../scenario/print.js';
import { formatVerdict } from '../check/format.js';
import type { Finding } from './campaign.js';
import { replayPath } from './campaign.js';

/** Guest flags that change generation and outcomes, for the replay command. */
export interface GuestArgs {
  kernel: string;
  pmem: string;
  fs: string;
  dax: string;
  plant?: string;
}

export function replayCommand(f: Finding, g: GuestArgs): string {
  const flags = [`--area ${f.area}`, `--replay ${replayPath({ seed: f.seed, index: f.index, kept: f.shrink?.kept })}`];
  if (g.kernel !== 'stock') flags.push(`--kernel ${g.kernel}`);
  flags.push(`--pmem ${g.pmem} --fs ${g.fs} --dax ${g.dax}`);
  if (g.plant) flags.push(`--plant ${g.plant}`);
  return `vfslab fuzz ${flags.join(' ')}`;
}

/** The scenario to keep: the minimal one when shrunk, else the original. */
export function findingScenario(f: Finding): Scenario {
  return f.shrink?.minimal ?? f.original;
}

export function findingScenarioText(f: Finding, g: GuestArgs): string {
  const sc = findingScenario(f);
  const head = [
    `# Found by vfslab fuzz (area ${f.area}, seed ${f.seed >>> 0}, case ${f.index}): ${f.kind}.`,
    f.shrink
      ? `# Shrunk from ${f.original.steps.length} to ${sc.steps.length} steps in ${f.shrink.runs} guest runs (${(f.shrink.ms / 1000).toFixed(1)} s).`
      : `# Not shrunk (${f.kind === 'flaky' ? 'it did not reproduce' : f.kind === 'model-crash' ? 'the model crashed while generating it' : 'shrink budget used up'}).`,
    `# Regenerate: ${replayCommand(f, g)}`,
    '# Verdict:',
    ...formatVerdict(f.shrink?.verdict ?? f.verdict).split('\n').map((l) => `#   ${l}`),
  ];
  if (f.crash) head.push(`# Model crash at "${f.crash.step}":`, ...f.crash.error.split('\n').slice(0, 6).map((l) => `#   ${l}`));
  return head.join('\n') + '\n' + printScenario(sc);
}

export function findingRecord(f: Finding, g: GuestArgs): Record<string, unknown> {
  return {
    kind: f.kind,
    area: f.area,
    seed: f.seed >>> 0,
    index: f.index,
    replay: replayPath({ seed: f.seed, index: f.index, kept: f.shrink?.kept }),
    command: replayCommand(f, g),
    guest: g,
    signature: f.signature,
    seen: f.seen,
    originalSteps: f.original.steps.length,
    minimalSteps: findingScenario(f).steps.length,
    shrink: f.shrink ? { runs: f.shrink.runs, rounds: f.shrink.rounds, ms: Math.round(f.shrink.ms), kept: f.shrink.kept } : null,
    verdict: formatVerdict(f.shrink?.verdict ?? f.verdict),
    originalVerdict: formatVerdict(f.verdict),
    ...(f.crash ? { crash: f.crash } : {}),
  };
}
