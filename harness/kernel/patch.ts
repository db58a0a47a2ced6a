// Applying a series to a copy of a pristine tree, without fuzz (as quilt
// push): a hunk whose context does not match exactly fails. The copy is hard links
// (GNU patch writes a new file and renames it, so the pristine tree is never
// changed) and is kept between builds: when the series changes, only the files
// the old series touched are restored, so an incremental build stays small.
import { existsSync } from 'node:fs';
import { copyFile, mkdir, readFile, readdir, rm, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { InputError } from '../errors.js';
import type { Series } from './series.js';
import type { KernelSource } from './source.js';

const stampName = '.vfslab-patched.json';

interface PatchedStamp {
  sourceDir: string;
  sourceHash: string;
  seriesHash: string; // 'incomplete' while patches are being applied
  touched: string[];
}

export interface FailedHunk {
  file: string;
  hunk: number;
  at: number | undefined;
}

export interface PatchFailure {
  hunks: FailedHunk[];
  /** Lines of patch's output that are problems but not hunk failures (missing file, reversed patch). */
  problems: string[];
}

/** Reads GNU patch's output: which file it was on, and which hunks failed where. */
export function parsePatchOutput(out: string): PatchFailure {
  const hunks: FailedHunk[] = [];
  const problems: string[] = [];
  let file = '';
  for (const line of out.split('\n')) {
    const pf = /^(?:patching|checking) file (.+)$/.exec(line);
    if (pf?.[1]) {
      file = pf[1].replace(/^'(.*)'$/, '$1');
      continue;
    }
    const h = /^Hunk #(\d+) FAILED(?: at (\d+))?/.exec(line);
    if (h?.[1]) {
      hunks.push({ file, hunk: Number(h[1]), at: h[2] ? Number(h[2]) : undefined });
      continue;
    }
    if (/can't find file to patch|Reversed \(or previously applied\)|No such file|malformed patch|Only garbage/i.test(line)) {
      problems.push(file ? `${file}: ${line.trim()}` : line.trim());
    }
  }
  return { hunks, problems };
}

/** The `@@ ... @@ context` line of hunk number `n` (1-based) for `file` in a unified diff. */
export function hunkHeader(patchText: string, file: string, n: number, strip: number): string | undefined {
  let inFile = false;
  let count = 0;
  const lines = patchText.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i] ?? '';
    if (l.startsWith('+++ ')) {
      const p = (l.slice(4).split('\t')[0] ?? '').trim().split('/').filter(Boolean).slice(strip).join('/');
      const prev = (lines[i - 1] ?? '').slice(4).split('\t')[0]?.trim().split('/').filter(Boolean).slice(strip).join('/');
      inFile = p === file || prev === file;
      count = 0;
      continue;
    }
    if (inFile && l.startsWith('@@ ')) {
      count++;
      if (count === n) return l;
    }
  }
  return undefined;
}

export class PatchApplyError extends InputError {
  constructor(
    readonly patchFile: string,
    readonly failure: PatchFailure,
    detail: string,
  ) {
    super(patchFile, `does not apply: ${detail}`, 'a patch refreshed against this tree (quilt refresh), or the series without it');
  }
}

async function readStamp(dir: string): Promise<PatchedStamp | undefined> {
  try {
    return JSON.parse(await readFile(path.join(dir, stampName), 'utf8')) as PatchedStamp;
  } catch {
    return undefined;
  }
}

async function writeStamp(dir: string, s: PatchedStamp): Promise<void> {
  await writeFile(path.join(dir, stampName), JSON.stringify(s, null, 2) + '\n');
}

/** Hard-link copy of a tree, without .git (a copy's git state would be a lie) and without our stamps. */
async function linkCopy(from: string, to: string): Promise<void> {
  await mkdir(to, { recursive: true });
  const top = (await readdir(from)).filter((n) => n !== '.git' && !n.startsWith('.vfslab-'));
  const args = top.map((n) => path.join(from, n));
  const linked = await execa('cp', ['-al', ...args, to], { reject: false });
  if (linked.exitCode !== 0) await execa('cp', ['-a', ...args, to]); // another filesystem: copy
}

/** A restored file gets a fresh mtime so make rebuilds what the old patched version produced. */
async function restore(pristine: string, tree: string, files: string[]): Promise<void> {
  for (const f of files) {
    const src = path.join(pristine, f);
    const dst = path.join(tree, f);
    await unlink(dst).catch(() => undefined);
    if (existsSync(src)) {
      await mkdir(path.dirname(dst), { recursive: true });
      await copyFile(src, dst);
    }
  }
}

export interface PreparedTree {
  dir: string;
  /** True when the copy was made from scratch: objects built from an older copy may be stale. */
  fresh: boolean;
}

/** A copy of `source` with `series` applied, at `dest`. */
export async function preparePatchedTree(source: KernelSource, series: Series, dest: string, log: (s: string) => void): Promise<PreparedTree> {
  const old = await readStamp(dest);
  if (old && old.sourceDir === source.dir && old.sourceHash === source.hash && old.seriesHash === series.hash) {
    return { dir: dest, fresh: false };
  }
  let fresh = false;
  if (old && old.sourceDir === source.dir && old.sourceHash === source.hash) {
    await restore(source.dir, dest, old.touched);
  } else {
    log(`kernel: copying ${source.describe} to ${dest} (hard links)`);
    await rm(dest, { recursive: true, force: true });
    await linkCopy(source.dir, dest);
    if (existsSync(path.join(dest, '.config')) || existsSync(path.join(dest, 'include', 'config'))) {
      // A user's tree that was built in place: clean the copy, never the tree.
      await execa('make', ['-s', 'mrproper'], { cwd: dest });
    }
    fresh = true;
  }
  const touched = [...new Set(series.patches.flatMap((p) => p.touched))].sort();
  await writeStamp(dest, { sourceDir: source.dir, sourceHash: source.hash, seriesHash: 'incomplete', touched });
  for (const p of series.patches) {
    log(`kernel: applying ${p.patch}`);
    const r = await execa(
      'patch',
      [`-p${p.strip}`, '--fuzz=0', '--forward', '--batch', '--no-backup-if-mismatch', '--reject-file=-', '-d', dest, '-i', p.file],
      { reject: false, all: true },
    );
    if (r.exitCode !== 0) {
      const out = r.all ?? '';
      const failure = parsePatchOutput(out);
      const parts = failure.hunks.map((h) => {
        const header = hunkHeader(p.text, h.file, h.hunk, p.strip);
        return `hunk #${h.hunk} of ${h.file}${h.at !== undefined ? ` (at line ${h.at})` : ''}${header ? `: ${header}` : ''}`;
      });
      const detail = [...parts, ...failure.problems].join('; ') || out.trim().split('\n').slice(-3).join('; ');
      throw new PatchApplyError(p.file, failure, `${detail} [on ${source.describe}, series ${series.file ?? ''}:${p.line}]`);
    }
  }
  await writeStamp(dest, { sourceDir: source.dir, sourceHash: source.hash, seriesHash: series.hash, touched });
  return { dir: dest, fresh };
}
