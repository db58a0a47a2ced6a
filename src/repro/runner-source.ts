// Loads the C runner's sources (guest/probes/runner) and joins them into one
// translation unit, so a reproducer is a single file that builds with
// `gcc -static -Wall repro.c` and nothing else.
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Header first, then the .c files; each .c file includes only runner.h locally. */
export const RUNNER_SOURCES = [
  'runner.h',
  'util.c',
  'plan.c',
  'proc.c',
  'ops.c',
  'fanotify.c',
  'fdquery.c',
  'rlimit.c',
  'coord.c',
  'main.c',
] as const;

export const runnerDir = resolve(dirname(fileURLToPath(import.meta.url)), '../../guest/probes/runner');

export type RunnerSource = Record<(typeof RUNNER_SOURCES)[number], string>;

export function loadRunnerSource(dir = runnerDir): RunnerSource {
  const out = {} as RunnerSource;
  for (const f of RUNNER_SOURCES) out[f] = readFileSync(join(dir, f), 'utf8');
  return out;
}

/** One C file: the header once, the .c files without their local include. */
export function amalgamate(src: RunnerSource): string {
  return RUNNER_SOURCES.map((f) => {
    const body = f === 'runner.h' ? src[f] : src[f].replace(/^#include "runner\.h"\s*$/m, '/* (runner.h above) */');
    return `/* ===== ${f} ===== */\n${body}`;
  }).join('\n');
}
