// Writing a run's results: --json, --junit, --report DIR. Nothing the user
// made is overwritten: an existing file or a non-empty report dir is an error
// (exit 2) raised before the guest boots.
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { InputError } from '../../harness/errors.js';
import { crashPoint } from '../../harness/test-seams.js';
import { predict } from '../check/index.js';
import { generateRepro } from '../repro/generate.js';
import type { Scenario } from '../scenario/ast.js';
import type { Profile } from '../model/profile.js';
import { indexPage, pageName, scenarioPage } from '../report/html.js';
import { toJUnit } from '../report/junit.js';
import { toMarkdown } from '../report/markdown.js';
import { reproducerScript } from '../report/reproducer-script.js';
import type { RunResults } from '../report/types.js';

export interface ReportContext {
  /** The scenario behind each record, same order. */
  scenarios: readonly Scenario[];
  profile: Profile;
  /** Console text per guest ('' when one run had one guest). */
  consoles: Record<string, string>;
}

/** What the kernel printed while the scenarios ran: the console after VFSLAB-READY. */
function afterReady(text: string): string {
  const lines = text.split('\n');
  return lines.slice(lines.findIndex((l) => l.includes('VFSLAB-READY')) + 1).join('\n').trim();
}

export interface OutputPaths {
  json?: string;
  junit?: string;
  report?: string;
}

export function checkOutputPaths(o: OutputPaths): void {
  for (const [flag, file] of [
    ['--json', o.json],
    ['--junit', o.junit],
  ] as const) {
    if (file === undefined) continue;
    if (existsSync(file)) throw new InputError(flag, `${file} exists; vfslab does not overwrite results`, 'a new file name, or remove the old one');
    if (!existsSync(path.dirname(path.resolve(file)))) throw new InputError(flag, `directory of ${file} does not exist`, 'a path in an existing directory');
  }
  if (o.report !== undefined && existsSync(o.report) && readdirSync(o.report).length > 0) {
    throw new InputError('--report', `${o.report} exists and is not empty; vfslab does not overwrite results`, 'a new or empty directory');
  }
}

export class ResultsWriteError extends Error {
  /** Infrastructure, not a kernel divergence. */
  readonly exitCode = 3;
}

/** Writes through a temp name: a full disk never leaves a truncated file under the real name. */
function writeWhole(file: string, text: string | Buffer, mode?: number): void {
  const tmp = `${file}.part`;
  try {
    writeFileSync(tmp, text, mode === undefined ? undefined : { mode });
    renameSync(tmp, file);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw new ResultsWriteError(`writing ${file} failed: ${(e as Error).message} (results written before it are intact)`);
  }
}

export function writeResults(
  o: OutputPaths,
  results: RunResults,
  ctx: ReportContext,
): void {
  if (o.json) writeWhole(o.json, JSON.stringify(results, null, 1) + '\n');
  crashPoint('report', 'throw');
  if (o.junit) writeWhole(o.junit, toJUnit(results));
  if (o.report) writeReport(o.report, results, ctx);
}

function writeReport(dir: string, r: RunResults, ctx: ReportContext): void {
  mkdirSync(dir, { recursive: true });
  writeWhole(path.join(dir, 'metadata.json'), JSON.stringify(r.metadata, null, 1) + '\n');
  writeWhole(path.join(dir, 'summary.md'), toMarkdown(r));
  writeWhole(path.join(dir, 'index.html'), indexPage(r));
  r.scenarios.forEach((s, i) => {
    if (s.verdict.kind !== 'diverged' && s.verdict.kind !== 'infra') return;
    const sc = ctx.scenarios[i]!;
    const base = pageName(s).replace(/\.html$/, '');
    const reproFile = `${base}.repro.c`;
    const scriptFile = `${base}.reproducer.sh`;
    writeWhole(path.join(dir, reproFile), generateRepro(sc));
    writeWhole(path.join(dir, scriptFile), reproducerScript(guestOf(r, s.guest)?.guest.qemuArgv ?? [], reproFile), 0o755);
    const excerpt = afterReady(ctx.consoles[s.guest ?? ''] ?? '');
    const text = existsSync(sc.file) ? readFileSync(sc.file, 'utf8') : '';
    writeWhole(path.join(dir, pageName(s)), scenarioPage(s, { text, prediction: predict(sc, ctx.profile), consoleExcerpt: excerpt, reproFile, scriptFile, profile: `${ctx.profile.name} ${ctx.profile.version}` }));
  });
}

/** The metadata of the guest a scenario ran on (a --matrix run has several). */
function guestOf(r: RunResults, guest: string | undefined) {
  return r.metadata.find((m) => guest === undefined || `${m.guest.pmem}/${m.guest.fs}/dax=${m.guest.dax}` === guest) ?? r.metadata[0];
}
