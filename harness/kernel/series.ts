// A quilt-style patch series: a `series` file naming one patch per line,
// relative to the series file's directory, applied in order on a pristine tree.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { InputError } from '../errors.js';

export interface SeriesEntry {
  patch: string; // as written in the series file
  strip: number; // -pN, quilt's default 1
  line: number; // 1-based line in the series file
}

export interface LoadedPatch extends SeriesEntry {
  file: string; // absolute path
  text: string;
  features: string[];
  touched: string[]; // paths inside the tree, after stripping
}

export interface Series {
  file: string | undefined; // undefined: the empty series
  patches: LoadedPatch[];
  hash: string;
  features: Record<string, boolean>;
}

/**
 * quilt's format: `name [-pN]`, `#` starts a comment (whole line or after
 * whitespace), blank lines are ignored. Other quilt options (-R, ...) are
 * refused rather than half-supported.
 */
export function parseSeries(text: string, file: string): SeriesEntry[] {
  const out: SeriesEntry[] = [];
  const seen = new Map<string, number>();
  text.split('\n').forEach((raw, i) => {
    const n = i + 1;
    const line = raw.replace(/(^|\s)#.*$/, '').trim();
    if (line === '') return;
    const [patch, ...opts] = line.split(/\s+/);
    if (!patch) return;
    let strip = 1;
    for (const o of opts) {
      const m = /^-p(\d)$/.exec(o);
      if (!m?.[1]) throw new InputError(`${file}:${n}`, `unsupported patch option '${o}' for ${patch}`, '-p0 .. -p9');
      strip = Number(m[1]);
    }
    if (path.isAbsolute(patch) || patch.split('/').includes('..')) {
      throw new InputError(`${file}:${n}`, `patch '${patch}' must be a path inside the series directory`);
    }
    const before = seen.get(patch);
    if (before !== undefined) throw new InputError(`${file}:${n}`, `patch '${patch}' is already listed on line ${before}`);
    seen.set(patch, n);
    out.push({ patch, strip, line: n });
  });
  return out;
}

const FEATURE_RE = /^Vfslab-Feature:\s*(\S+)\s*$/;
const FEATURE_NAME_RE = /^[a-z][A-Za-z0-9]*$/;

/**
 * The profile features a patch implements, declared in its description as
 * `Vfslab-Feature: name` lines (before the diff starts). Never guessed from code.
 */
export function patchFeatures(text: string, file: string): string[] {
  const features: string[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i] ?? '';
    if (l === '---' || l.startsWith('diff --git ') || l.startsWith('--- ') || l.startsWith('Index: ')) break;
    if (!/^Vfslab-Feature:/i.test(l)) continue;
    const m = FEATURE_RE.exec(l);
    const name = m?.[1];
    if (!name || !FEATURE_NAME_RE.test(name)) {
      throw new InputError(`${file}:${i + 1}`, `bad feature line '${l}'`, "'Vfslab-Feature: camelCaseName'");
    }
    if (!features.includes(name)) features.push(name);
  }
  return features;
}

/** Files a unified diff changes, creates or deletes, as paths after stripping `strip` leading components. */
export function patchTouchedFiles(text: string, strip: number): string[] {
  const files = new Set<string>();
  const lines = text.split('\n');
  for (let i = 0; i + 1 < lines.length; i++) {
    const a = lines[i] ?? '';
    const b = lines[i + 1] ?? '';
    if (!a.startsWith('--- ') || !b.startsWith('+++ ')) continue;
    for (const side of [a.slice(4), b.slice(4)]) {
      const p = side.split('\t')[0]?.trim() ?? '';
      if (p === '/dev/null' || p === '') continue;
      const parts = p.split('/').filter((s) => s !== '');
      if (parts.length > strip) files.add(parts.slice(strip).join('/'));
    }
  }
  return [...files].sort();
}

/** Hash of what is applied: each patch's name, strip level and content, in order (comments do not count). */
export function seriesHash(patches: { patch: string; strip: number; text: string }[]): string {
  const h = createHash('sha256');
  h.update('vfslab-series 1\n');
  for (const p of patches) {
    const body = createHash('sha256').update(p.text).digest('hex');
    h.update(`${p.patch} -p${p.strip} ${body}\n`);
  }
  return h.digest('hex');
}

export function emptySeries(): Series {
  return { file: undefined, patches: [], hash: seriesHash([]), features: {} };
}

/** Reads a series file and its patches; a listed patch that is missing is an error naming it and the line. */
export async function loadSeries(file: string): Promise<Series> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new InputError('--series', `cannot read '${file}': ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, "a quilt series file or 'none'");
  }
  const dir = path.dirname(file);
  const patches: LoadedPatch[] = [];
  for (const entry of parseSeries(text, file)) {
    const abs = path.join(dir, entry.patch);
    let body: string;
    try {
      body = await readFile(abs, 'utf8');
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
      throw new InputError(`${file}:${entry.line}`, `patch '${entry.patch}' cannot be read (${code}: ${abs})`);
    }
    const touched = patchTouchedFiles(body, entry.strip);
    if (touched.length === 0) throw new InputError(abs, 'is not a unified diff (no ---/+++ file headers)');
    patches.push({ ...entry, file: abs, text: body, features: patchFeatures(body, abs), touched });
  }
  const features: Record<string, boolean> = {};
  for (const p of patches) for (const f of p.features) features[f] = true;
  return { file, patches, hash: seriesHash(patches), features };
}

/** The first `k` patches of a series (bisecting a series): hash and features of that prefix only. */
export function seriesPrefix(series: Series, k: number): Series {
  const patches = series.patches.slice(0, Math.max(0, k));
  const features: Record<string, boolean> = {};
  for (const p of patches) for (const f of p.features) features[f] = true;
  return { file: series.file, patches, hash: seriesHash(patches), features };
}
