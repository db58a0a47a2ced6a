// Identical kernels: a commit (or a series prefix) whose changes touch no
// file the last build read gives the same bzImage, so it is neither rebuilt
// nor booted again; and two builds with the same bzImage share a verdict.
// The files a build read are kbuild's own record of them: the source_ and
// deps_ lines of every .cmd file in the object directory.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, readFile, readdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * Files whose change can alter a build without being anybody's dependency:
 * the build system itself (Makefiles, Kbuild, Kconfig, scripts/, *.mk, linker
 * script sources are covered by their .cmd). Conservative on purpose.
 */
const BUILD_SYSTEM_RE = /(^|\/)(Makefile[^/]*|Kbuild[^/]*|Kconfig[^/]*|[^/]*\.mk)$|^scripts\/|^tools\/objtool\//;

export interface InputCheck {
  /** True when some changed file is a build input (or a build-system file). */
  changed: boolean;
  /** The changed files that are build inputs (at most a few, for the log). */
  inputs: string[];
}

/** Pure: which of `changedFiles` (tree-relative) matter to a build that read `deps`. */
export function buildInputsChanged(changedFiles: readonly string[], deps: ReadonlySet<string>): InputCheck {
  const inputs = changedFiles.filter((f) => deps.has(f) || BUILD_SYSTEM_RE.test(f));
  return { changed: inputs.length > 0, inputs: inputs.slice(0, 5) };
}

/**
 * Pure: the source-tree files one .cmd file names (`source_X := f`, `deps_X := \ f \ ...`),
 * relative to `srcDir`. Paths are absolute, or relative to the object directory
 * (ccache with CCACHE_BASEDIR makes them so); generated files and
 * `$(wildcard include/config/...)` entries are not source files and are dropped.
 */
export function parseCmdDeps(text: string, objDir: string, srcDir: string): string[] {
  const out: string[] = [];
  let inDeps = false;
  for (const raw of text.split('\n')) {
    let line = raw.trim();
    const src = /^source_\S+ := (.+)$/.exec(line);
    if (src?.[1]) {
      add(src[1].trim());
      continue;
    }
    if (/^deps_\S+ := \\?$/.test(line)) {
      inDeps = true;
      continue;
    }
    if (!inDeps) continue;
    const cont = line.endsWith('\\');
    line = line.replace(/\\$/, '').trim();
    if (line && !line.startsWith('$(')) add(line);
    if (!cont) inDeps = false;
  }
  return out;

  function add(p: string): void {
    const abs = path.resolve(objDir, p);
    const rel = path.relative(srcDir, abs);
    if (!rel.startsWith('..') && !path.isAbsolute(rel)) out.push(rel);
  }
}

/** Every source file the build in `objDir` (of `srcDir`) read, from its .cmd files. */
export async function readBuildDeps(objDir: string, srcDir: string): Promise<Set<string>> {
  const deps = new Set<string>();
  const walk = async (dir: string): Promise<void> => {
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
    for (const e of entries) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) {
        if (e.name !== 'source') await walk(p);
      } else if (e.isFile() && e.name.endsWith('.cmd')) {
        for (const d of parseCmdDeps(await readFile(p, 'utf8'), objDir, srcDir)) deps.add(d);
      }
    }
  };
  await walk(objDir);
  return deps;
}

export async function sha256File(file: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(file)) h.update(chunk as Buffer);
  return h.digest('hex');
}

/** What the last build in a bisect build directory was, so the next step can compare against it. */
export interface LastBuild {
  /** The git commit (bisect-step) or series prefix length (bisect-series) built. */
  revision: string;
  key: string;
  bzImage: string;
  srcDir: string;
  objDir: string;
  /** Build flavour (default, debug): another flavour's build is never the same kernel. */
  flavour?: string;
}

/** A remembered decision for a bzImage under one predicate (scenarios, options, rule). */
export interface Memo {
  bzImageSha: string;
  fingerprint: string;
  outcome: 'good' | 'bad' | 'skip';
  line: string;
  revision: string;
}

/** A revision once found identical to a build (exact when found): reused as is later, whatever the build dir holds by then. */
export interface Alias {
  revision: string;
  bzImage: string;
  key: string;
}

export interface BisectState {
  lastBuild?: LastBuild;
  memos: Memo[];
  aliases?: Alias[];
}

export async function readState(file: string): Promise<BisectState> {
  try {
    const s = JSON.parse(await readFile(file, 'utf8')) as Partial<BisectState>;
    return { lastBuild: s.lastBuild, memos: Array.isArray(s.memos) ? s.memos : [], aliases: Array.isArray(s.aliases) ? s.aliases : [] };
  } catch {
    return { memos: [] };
  }
}

export async function writeState(file: string, s: BisectState): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  // Bounded: old memos go first.
  await writeFile(tmp, JSON.stringify({ ...s, memos: s.memos.slice(-500), aliases: (s.aliases ?? []).slice(-500) }, null, 2) + '\n');
  await rename(tmp, file);
}

export function findMemo(s: BisectState, bzImageSha: string, fingerprint: string): Memo | undefined {
  return s.memos.find((m) => m.bzImageSha === bzImageSha && m.fingerprint === fingerprint && m.outcome !== 'skip');
}
