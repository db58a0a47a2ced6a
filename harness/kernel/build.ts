// `vfslab kernel build`: source (Debian's linux-source-6.1 or a user's tree)
// + patch series + guest/kconfig fragment -> a bzImage with everything built
// in, cached by (source, series, config, compiler) and recorded in
// images/manifest.json under kernels[NAME].
import { existsSync } from 'node:fs';
import { chmod, copyFile, mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { createWriteStream } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { guestDir, imagesDir, repoRoot } from '../paths.js';
import { InputError } from '../errors.js';
import { readManifest, updateManifest, type KernelEntry } from '../image/manifest.js';
import { ConfigDroppedError, droppedOptions, mergeFragments, parseDotConfig, parseFragment, type NamedFragment } from './config.js';
import { buildKey, cacheDirFor, cachedFiles, configHash, lookupCached, builtKernelsDir, type BuiltKernelRecord } from './cache.js';
import { emptySeries, loadSeries, seriesPrefix, type Series } from './series.js';
import { ensureDebianSource, makefileVersion, treeBuiltInPlace, userTree, type KernelSource } from './source.js';
import { preparePatchedTree } from './patch.js';
import { historyFile, ProgressCounter, readBuildHistory, writeBuildHistory, type BuildProgress } from './progress.js';

export const FLAVOURS = ['default', 'debug'] as const;
export type Flavour = (typeof FLAVOURS)[number];

export const kconfigDir = path.join(guestDir, 'kconfig');
export const defaultSeriesFile = path.join(guestDir, 'patches', 'series');
export const buildRoot = path.join(imagesDir, 'build');
// Per machine, not per checkout: a fresh clone (CI) then builds from a warm cache.
export const ccacheDir = process.env['VFSLAB_CCACHE_DIR'] ?? path.join(process.env['XDG_CACHE_HOME'] ?? path.join(os.homedir(), '.cache'), 'vfslab', 'ccache');

/** Fragments of a flavour, applied in order on top of allnoconfig. */
export function flavourFragments(flavour: Flavour): string[] {
  const base = path.join(kconfigDir, 'vfslab.config');
  return flavour === 'debug' ? [base, path.join(kconfigDir, 'debug.config')] : [base];
}

// Pinned so that the same inputs give the same bzImage (no user, host, date or build counter).
export const kbuildPins = {
  KBUILD_BUILD_USER: 'vfslab',
  KBUILD_BUILD_HOST: 'vfslab',
  KBUILD_BUILD_TIMESTAMP: '1970-01-01 00:00:00 UTC',
  KBUILD_BUILD_VERSION: '1',
} as const;

/** A build that ran and failed (compiler error, make error): infrastructure, not bad input. */
export class KernelBuildError extends Error {
  readonly exitCode = 3;
  constructor(
    message: string,
    readonly logPath: string,
    readonly excerpt: string[],
  ) {
    super(message);
    this.name = 'KernelBuildError';
  }
  detail(): string {
    const ex = this.excerpt.length ? `\n--- build log excerpt ---\n${this.excerpt.join('\n')}` : '';
    return `${this.message} (full log: ${this.logPath})${ex}`;
  }
}

export interface BuildOptions {
  tree?: string;
  /** A series file, 'none', or undefined: guest/patches/series for Debian's source, none for --tree. */
  series?: string;
  flavour: Flavour;
  name?: string;
  log: (s: string) => void;
  onProgress?: (p: BuildProgress) => void;
  /** Build even if the cache has this key (the bench measures builds). */
  force?: boolean;
  /** Start from an empty build directory. */
  clean?: boolean;
  /** 'recache': compile everything but store the results (a cold build for the bench). */
  ccache?: CcacheMode;
  jobs?: number;
  nice?: number;
  /** Only the first N patches of the series (bisect-series). */
  prefix?: number;
  /** false: do not write kernels[NAME] into images/manifest.json (bisect builds are not named kernels). */
  manifest?: boolean;
}

export interface BuildResult {
  name: string;
  entry: KernelEntry;
  record: BuiltKernelRecord;
  reused: boolean;
  bzImage: string;
  srcDir: string;
  objDir: string;
}

const NAME_RE = /^[a-z0-9][a-z0-9._-]{0,63}$/;

/** NAME default: 'patched', or 'stock-src' for the empty series; '-debug' for the debug flavour. */
export function defaultName(series: Series, flavour: Flavour): string {
  const base = series.patches.length ? 'patched' : 'stock-src';
  return flavour === 'debug' ? `${base}-debug` : base;
}

export function checkName(name: string): void {
  if (!NAME_RE.test(name)) throw new InputError('--name', `'${name}' is not a valid kernel name`, 'lower-case letters, digits, . _ -');
  if (name === 'stock') throw new InputError('--name', "'stock' is the prebuilt Debian kernel and is never replaced", 'any other name');
}

async function firstLine(cmd: string, args: string[]): Promise<string> {
  const r = await execa(cmd, args, { reject: false });
  return r.exitCode === 0 ? (r.stdout.split('\n')[0] ?? '').trim() : `${cmd}: unavailable`;
}

export async function compilerIdentity(): Promise<string> {
  return `${await firstLine('gcc', ['--version'])}; ${await firstLine('ld', ['--version'])}`;
}

async function hasCcache(): Promise<boolean> {
  return (await execa('ccache', ['--version'], { reject: false })).exitCode === 0;
}

async function readFragments(flavour: Flavour): Promise<NamedFragment[]> {
  const out: NamedFragment[] = [];
  for (const f of flavourFragments(flavour)) {
    const rel = path.relative(repoRoot, f);
    const text = await readFile(f, 'utf8').catch(() => {
      throw new InputError('--flavour', `fragment ${rel} is missing`, FLAVOURS.join('|'));
    });
    out.push({ file: rel, lines: parseFragment(text, rel) });
  }
  return out;
}

async function resolveSeries(opt: string | undefined, tree: string | undefined): Promise<Series> {
  if (opt === 'none') return emptySeries();
  if (opt !== undefined) return loadSeries(path.resolve(opt));
  // Default: our series for Debian's source; a user's tree is built as it is.
  if (tree !== undefined || !existsSync(defaultSeriesFile)) return emptySeries();
  return loadSeries(defaultSeriesFile);
}

export interface MakeRun {
  srcDir: string;
  objDir: string;
  targets: string[];
  logPath: string;
  jobs?: number;
  nice?: number;
  extraArgs?: string[];
  onLine?: (line: string) => void;
  ccache?: CcacheMode;
}

export type CcacheMode = 'use' | 'recache' | 'off';

export interface MakeOutcome {
  warnings: string[];
  seconds: number;
}

/** One make in the out-of-tree directory, ccache'd, output appended to the log. */
export async function runMake(run: MakeRun): Promise<MakeOutcome> {
  const ccache = run.ccache !== 'off' && (await hasCcache());
  const cc = ccache ? 'ccache gcc' : 'gcc';
  const args = ['-n', String(run.nice ?? 10), 'make', '-C', run.srcDir, `O=${run.objDir}`, `-j${run.jobs ?? os.availableParallelism()}`];
  args.push(`CC=${cc}`, `HOSTCC=${cc}`, ...(run.extraArgs ?? []), ...run.targets);
  const log = createWriteStream(run.logPath, { flags: 'a' });
  log.write(`$ nice ${args.join(' ')}\n`);
  const warnings: string[] = [];
  const errors: string[] = [];
  const t0 = Date.now();
  const proc = execa('nice', args, {
    reject: false,
    all: true,
    buffer: false,
    env: {
      ...kbuildPins,
      CCACHE_DIR: ccacheDir,
      // Paths under the checkout are hashed relative to it: two build dirs at the same depth share hits.
      CCACHE_BASEDIR: repoRoot,
      CCACHE_MAXSIZE: process.env['CCACHE_MAXSIZE'] ?? '5G',
      ...(run.ccache === 'recache' ? { CCACHE_RECACHE: '1' } : {}),
      LC_ALL: 'C',
    },
  });
  let pending = '';
  proc.all?.on('data', (chunk: Buffer) => {
    log.write(chunk);
    pending += chunk.toString('utf8');
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const l of lines) {
      if (/\bwarning:/.test(l)) warnings.push(l);
      if (/\berror\b|Error \d+|\*\*\*/.test(l) && errors.length < 20) errors.push(l);
      run.onLine?.(l);
    }
  });
  const r = await proc;
  await new Promise<void>((resolve) => log.end(resolve));
  if (r.exitCode !== 0) {
    throw new KernelBuildError(`kernel: make ${run.targets.join(' ')} failed (exit ${r.exitCode ?? r.signal})`, run.logPath, errors);
  }
  return { warnings, seconds: (Date.now() - t0) / 1000 };
}

interface ObjStamp {
  srcDir: string;
  configKey: string;
}

/**
 * allnoconfig + fragments (KCONFIG_ALLCONFIG, as merge_config.sh -n), then
 * the check that nothing the fragments ask for was dropped.
 */
async function configure(srcDir: string, objDir: string, fragments: NamedFragment[], logPath: string, nice?: number): Promise<void> {
  const merged = mergeFragments(fragments);
  const fragPath = path.join(objDir, 'vfslab-fragment.config');
  await writeFile(fragPath, merged.text);
  await runMake({ srcDir, objDir, targets: ['allnoconfig'], logPath, nice, extraArgs: [`KCONFIG_ALLCONFIG=${fragPath}`] });
  const dotConfig = path.join(objDir, '.config');
  const dropped = droppedOptions(merged.wanted, parseDotConfig(await readFile(dotConfig, 'utf8')));
  if (dropped.length) throw new ConfigDroppedError(dropped, path.relative(process.cwd(), dotConfig));
}

export async function buildKernel(opts: BuildOptions): Promise<BuildResult> {
  const { log } = opts;
  const t0 = Date.now();
  const full = await resolveSeries(opts.series, opts.tree);
  const series = opts.prefix === undefined ? full : seriesPrefix(full, opts.prefix);
  const name = opts.name ?? defaultName(series, opts.flavour);
  checkName(name);
  const fragments = await readFragments(opts.flavour);
  const source: KernelSource = opts.tree !== undefined ? await userTree(opts.tree) : await ensureDebianSource(log);
  if (source.userTree && series.patches.length === 0 && treeBuiltInPlace(source.dir)) {
    throw new InputError(
      '--tree',
      `${source.dir} was configured or built in place (.config or include/config exist); an out-of-tree build needs a clean tree`,
      'run `make mrproper` in it yourself, or pass --series so vfslab builds from a copy',
    );
  }
  const cfgHash = configHash(mergeFragments(fragments).text, 'allnoconfig');
  const compiler = await compilerIdentity();
  const parts = { sourceHash: source.hash, seriesHash: series.hash, configHash: cfgHash, compiler };
  const key = buildKey(parts);
  const patchNames = series.patches.map((p) => p.patch);
  log(
    `kernel: ${name}: ${source.describe}, ${patchNames.length ? `series ${patchNames.join(', ')}` : 'no patches'}, ` +
      `flavour ${opts.flavour}, key ${key.slice(0, 16)}`,
  );

  const cached = opts.force ? undefined : await lookupCached(key);
  if (cached) {
    log(`kernel: ${name}: cached build ${cacheDirFor(key)} reused (same source, series, config and compiler)`);
    const entry = opts.manifest === false ? builtEntry(name, source, cached) : await recordInManifest(name, source, cached);
    return { name, entry, record: cached, reused: true, bzImage: path.join(cacheDirFor(key), cachedFiles.bzImage), srcDir: '', objDir: '' };
  }

  const work = path.join(buildRoot, name);
  await mkdir(work, { recursive: true });
  const logPath = path.join(work, 'build.log');
  await writeFile(logPath, `vfslab kernel build ${name} key ${key}\n`);
  let srcDir = source.dir;
  let fresh = false;
  // Debian's source is always built from a hard-link copy at build/NAME/src, so
  // every name's objects see the same relative paths and share ccache hits.
  // A user's tree without a series is built from where it is (out of tree).
  if (series.patches.length || !source.userTree) {
    const prepared = await preparePatchedTree(source, series, path.join(work, 'src'), log);
    srcDir = prepared.dir;
    fresh = prepared.fresh;
  }
  const objDir = path.join(work, `obj-${opts.flavour}`);
  const stampPath = path.join(objDir, '.vfslab-obj.json');
  const configKey = `${cfgHash} ${series.hash} ${source.hash}`;
  const stamp = await readFile(stampPath, 'utf8')
    .then((t) => JSON.parse(t) as ObjStamp)
    .catch(() => undefined);
  if (opts.clean || fresh || (stamp && stamp.srcDir !== srcDir)) {
    // Objects from another tree (or an older copy) may look newer than their sources.
    await rm(objDir, { recursive: true, force: true });
  }
  await mkdir(objDir, { recursive: true });
  // A full build (no vmlinux yet) is predicted by the last full build of the
  // flavour on this machine (kept beside ccache, so a fresh clone has an ETA too).
  const fromScratch = !existsSync(path.join(objDir, 'vmlinux'));
  const progressFile = historyFile(path.dirname(ccacheDir), opts.flavour);
  const counter = new ProgressCounter(t0, { full: fromScratch, history: await readBuildHistory(progressFile) });
  const tick = (): void => opts.onProgress?.(counter.snapshot(Date.now()));
  if (opts.clean || !stamp || stamp.configKey !== configKey || fresh || !existsSync(path.join(objDir, '.config'))) {
    counter.setPhase('config');
    tick();
    await configure(srcDir, objDir, fragments, logPath, opts.nice);
    await writeFile(stampPath, JSON.stringify({ srcDir, configKey } satisfies ObjStamp) + '\n');
  }
  counter.setPhase('compile');
  const timer = setInterval(tick, 1000);
  let made: MakeOutcome;
  try {
    made = await runMake({
      srcDir,
      objDir,
      targets: ['bzImage'],
      logPath,
      jobs: opts.jobs,
      nice: opts.nice,
      ccache: opts.ccache,
      onLine: (l) => counter.line(l),
    });
  } finally {
    clearInterval(timer);
  }
  counter.setPhase('done');
  tick();
  const history = counter.toHistory();
  if (history) await writeBuildHistory(progressFile, history).catch(() => {}); // only the next ETA depends on it
  for (const w of made.warnings) log(`kernel: ${w}`);

  const release = (await readFile(path.join(objDir, 'include', 'config', 'kernel.release'), 'utf8')).trim();
  const stock = (await readManifest()).kernels['stock'];
  if (stock && stock.release === release) {
    // guest/init would modprobe the stock kernel's modules into this one.
    throw new KernelBuildError(`kernel: built release ${release} equals the stock kernel's; set CONFIG_LOCALVERSION in the fragment`, logPath, []);
  }
  const version = makefileVersion(await readFile(path.join(srcDir, 'Makefile'), 'utf8')) ?? release;
  const record: BuiltKernelRecord = {
    key,
    parts,
    release,
    version,
    flavour: opts.flavour,
    source: source.describe,
    series: series.file ? path.relative(repoRoot, series.file) : null,
    patches: patchNames,
    features: series.features,
    builtAt: new Date().toISOString(),
    buildSeconds: Math.round((Date.now() - t0) / 100) / 10,
    warnings: made.warnings.length,
  };
  await storeBuild(objDir, record);
  const entry = opts.manifest === false ? builtEntry(name, source, record) : await recordInManifest(name, source, record);
  log(`kernel: ${name}: ${release} built in ${record.buildSeconds} s, ${made.warnings.length} warning(s) -> ${entry.vmlinuz}`);
  return { name, entry, record, reused: false, bzImage: path.join(cacheDirFor(key), cachedFiles.bzImage), srcDir, objDir };
}

/** Copies the results into the cache; the record is written last, so a half copy is never reused. */
async function storeBuild(objDir: string, record: BuiltKernelRecord): Promise<void> {
  await mkdir(builtKernelsDir, { recursive: true });
  const tmp = await mkdtemp(path.join(builtKernelsDir, '.store-'));
  await chmod(tmp, 0o755); // mkdtemp makes it private
  try {
    await copyFile(path.join(objDir, 'arch', 'x86', 'boot', 'bzImage'), path.join(tmp, cachedFiles.bzImage));
    await copyFile(path.join(objDir, '.config'), path.join(tmp, cachedFiles.config));
    await copyFile(path.join(objDir, 'System.map'), path.join(tmp, cachedFiles.systemMap));
    await writeFile(path.join(tmp, cachedFiles.record), JSON.stringify(record, null, 2) + '\n');
    const dest = cacheDirFor(record.key);
    await rm(dest, { recursive: true, force: true });
    await rename(tmp, dest);
  } catch (e) {
    await rm(tmp, { recursive: true, force: true });
    throw e;
  }
}

export function builtEntry(name: string, source: KernelSource, record: BuiltKernelRecord): KernelEntry {
  const rel = path.relative(imagesDir, cacheDirFor(record.key));
  return {
    package: source.package,
    debianVersion: source.debianVersion,
    release: record.release,
    vmlinuz: path.join(rel, cachedFiles.bzImage),
    // Everything is built in: there is no lib/modules here, so guest/init skips modprobe.
    modulesDir: rel,
    config: path.join(rel, cachedFiles.config),
    profile: { name, version: record.version, features: { ...record.features } },
    build: {
      key: record.key,
      sourceHash: record.parts.sourceHash,
      seriesHash: record.parts.seriesHash,
      configHash: record.parts.configHash,
      compiler: record.parts.compiler,
      flavour: record.flavour,
      source: record.source,
      series: record.series,
      patches: record.patches,
      builtAt: record.builtAt,
    },
  };
}

async function recordInManifest(name: string, source: KernelSource, record: BuiltKernelRecord): Promise<KernelEntry> {
  const entry = builtEntry(name, source, record);
  await updateManifest((m) => {
    m.kernels[name] = entry;
  });
  return entry;
}
