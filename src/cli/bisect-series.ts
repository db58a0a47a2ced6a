// vfslab bisect-series: binary search over the first k patches of a quilt
// series on a base tree (default Debian's linux-source-6.1 at the pin) for the
// first patch that changes the verdict of a scenario.
import path from 'node:path';
import { existsSync } from 'node:fs';
import { buildKernel, buildRoot, KernelBuildError } from '../../harness/kernel/build.js';
import { ConfigDroppedError } from '../../harness/kernel/config.js';
import { loadSeries, type Series } from '../../harness/kernel/series.js';
import { InputError } from '../../harness/errors.js';
import { searchSeries, type PrefixTest, type SeriesSearchResult } from '../../harness/bisect/series-search.js';
import { buildInputsChanged, findMemo, readBuildDeps, readState, sha256File, writeState } from '../../harness/bisect/identical.js';
import type { Decision } from '../../harness/bisect/verdict.js';
import type { Profile } from '../model/profile.js';
import { parseCommandArgs } from './options.js';
import { buildProgressLog, judge, oracleFlags, oracleUsage, parseOracle, realRunOnce, type Oracle, type RunOnce } from './bisect-common.js';
import { progress } from './progress.js';

export const bisectSeriesUsage = `usage: vfslab bisect-series SERIES [--tree PATH] [PREDICATE] [--runs N] SCENARIO...

Binary search over prefixes of a quilt series (prefix k = the base plus the
first k patches, applied without fuzz to a hard-link copy under
images/build/bisect-series/): tests prefix 0, bisects, and prints the first
patch that changes the outcome and the number of kernel builds it took:
at most ceil(log2 n) + 1 when that patch is not the last one, one more when
it is the last one or none is (prefix n must then be tested).

The model's profile for prefix k is --profile plus the Vfslab-Feature lines
of its k patches (declared, never guessed). A prefix whose new patches touch
no file the previous build read is not rebuilt; an identical bzImage is not
booted again.

  --tree PATH   base tree (default: Debian's linux-source-6.1 at images/pin.json)

exit: 0 the first changing patch was found, 1 no patch changes the outcome
or untestable prefixes hide it, 2 bad input, 3 the base could not be tested.

${oracleUsage}

examples:
  vfslab bisect-series tests/fixtures/bisect/series tests/fixtures/bisect/rdlck-wronly.scenario
  vfslab bisect-series my-patches/series --expect good.jsonl my.scenario`;

const flags = { ...oracleFlags, tree: { type: 'string' }, help: { type: 'boolean', short: 'h' } } as const;

export const seriesBuildName = 'bisect-series';

export interface PrefixKernel {
  bzImage: string;
  key: string;
  reused: boolean;
  srcDir: string;
  objDir: string;
}

export interface SeriesDeps {
  build: (k: number) => Promise<PrefixKernel>;
  runOnce: RunOnce;
}

/** prefix k's profile: the base profile plus the features its patches declare. */
export function prefixProfile(base: Profile, series: Series, k: number): Profile {
  const features: Record<string, boolean> = { ...base.features };
  for (const p of series.patches.slice(0, k)) for (const f of p.features) features[f] = true;
  return { ...base, features };
}

export interface SeriesReport extends SeriesSearchResult {
  decisions: Map<number, Decision>;
}

/** The search, with identical-kernel detection between prefixes; testable with fake build/run functions. */
export async function seriesCore(series: Series, oracle: Oracle, stateFile: string, deps: SeriesDeps, log: (s: string) => void, base = 'debian'): Promise<SeriesReport> {
  const n = series.patches.length;
  const identity = `${series.hash.slice(0, 16)}@${base}`;
  const decisions = new Map<number, Decision>();
  // Verdicts are shared within this search only (the model may change between runs).
  const session = `${process.pid}.${Date.now()}`;
  const test = async (k: number): Promise<PrefixTest> => {
    const label = k === 0 ? 'prefix 0 (the base)' : `prefix ${k} (up to ${series.patches[k - 1]!.patch})`;
    log(`bisect-series: testing ${label}`);
    const state = await readState(stateFile);
    const last = state.lastBuild;
    let kernel: PrefixKernel | undefined;
    let built = false;
    // The last build counts only if it was a prefix of this series on this base.
    const lastK = last?.revision.endsWith(` ${identity}`) ? /^(\d+) /.exec(last.revision)?.[1] : undefined;
    const rev = `${k} ${identity} ${oracle.flavour}`;
    const alias = state.aliases?.find((a) => a.revision === rev && existsSync(a.bzImage));
    if (alias) {
      log(`bisect-series: ${label} was found identical to an earlier build: not rebuilt`);
      kernel = { bzImage: alias.bzImage, key: alias.key, reused: true, srcDir: '', objDir: '' };
    } else if (last && lastK !== undefined && (last.flavour ?? 'default') === oracle.flavour && existsSync(last.bzImage)) {
      const j = Number(lastK);
      const between = series.patches.slice(Math.min(j, k), Math.max(j, k)).flatMap((p) => p.touched);
      const depsSet = await readBuildDeps(last.objDir, last.srcDir);
      const check = buildInputsChanged(between, depsSet);
      if (depsSet.size > 0 && !check.changed) {
        log(`bisect-series: patches between prefix ${j} and ${k} touch nothing that build read: identical kernel, not rebuilt`);
        kernel = { bzImage: last.bzImage, key: last.key, reused: true, srcDir: last.srcDir, objDir: last.objDir };
        state.aliases = [...(state.aliases ?? []), { revision: rev, bzImage: last.bzImage, key: last.key }];
        await writeState(stateFile, state);
      }
    }
    try {
      if (!kernel) {
        kernel = await deps.build(k);
        built = !kernel.reused;
        if (built) {
          state.lastBuild = { revision: `${k} ${identity}`, key: kernel.key, bzImage: kernel.bzImage, srcDir: kernel.srcDir, objDir: kernel.objDir, flavour: oracle.flavour };
          await writeState(stateFile, state);
        }
      }
    } catch (e) {
      if (e instanceof KernelBuildError || e instanceof ConfigDroppedError || (e instanceof InputError && /does not apply/.test(e.message))) {
        log(`bisect-series: ${label} cannot be built: ${e.message.split('\n')[0]}`);
        decisions.set(k, { outcome: 'skip', counts: { runs: 0, pass: 0, fail: 0, invalid: 0 }, line: `skip: build failed: ${e.message.split('\n')[0]}` });
        return { outcome: 'skip', built: false };
      }
      throw e;
    }
    const sha = await sha256File(kernel.bzImage);
    const fp = `${oracle.fingerprint} session ${session} features ${JSON.stringify(prefixProfile(oracle.profile, series, k).features)}`;
    const memo = findMemo(state, sha, fp);
    let d: Decision;
    if (memo) {
      log(`bisect-series: bzImage ${sha.slice(0, 12)} already judged (${memo.revision}): not booted again`);
      d = { outcome: memo.outcome, counts: { runs: 0, pass: 0, fail: 0, invalid: 0 }, line: `${memo.line} (identical kernel)` };
    } else {
      d = await judge(oracle, deps.runOnce, kernel.bzImage, prefixProfile(oracle.profile, series, k), log);
      const fresh = await readState(stateFile);
      fresh.memos.push({ bzImageSha: sha, fingerprint: fp, outcome: d.outcome, line: d.line, revision: `prefix ${k}` });
      await writeState(stateFile, fresh);
    }
    decisions.set(k, d);
    log(`bisect-series: ${label}: ${d.line}`);
    return { outcome: d.outcome, built };
  };
  const r = await searchSeries(n, test);
  return { ...r, decisions };
}

export function formatSeriesReport(series: Series, r: SeriesReport): string[] {
  const n = series.patches.length;
  const bound = Math.ceil(Math.log2(Math.max(n, 1))) + 1;
  const name = (k: number): string => (k === 0 ? 'base' : series.patches[k - 1]!.patch);
  const lines = r.tested.map((t) => `  prefix ${String(t.k).padStart(2)} ${t.outcome.padEnd(4)} ${(t.built ? 'built' : 'not rebuilt').padEnd(11)}  ${name(t.k)}`);
  const head =
    r.first !== null
      ? `first patch that changes the outcome (${r.baseOutcome} -> ${r.decisions.get(r.first)?.outcome ?? '?'}): ${r.first}/${n} ${name(r.first)}`
      : r.problem
        ? `no answer: ${r.problem}`
        : `no patch of the ${n} changes the outcome (${r.baseOutcome} throughout)`;
  return [head, `${r.tested.length} prefixes tested, ${r.builds} kernel build(s) (bound ceil(log2 ${n}) + 1 = ${bound})`, ...lines];
}

export async function bisectSeriesCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs('bisect-series', argv, flags, true);
  if (values.help) {
    console.log(bisectSeriesUsage);
    return 0;
  }
  const [seriesFile, ...scenarioArgs] = positionals;
  if (!seriesFile) throw new InputError('vfslab bisect-series', 'no SERIES given', 'a quilt series file');
  const series = await loadSeries(path.resolve(seriesFile));
  const oracle = await parseOracle(values, scenarioArgs, 'bisect-series');
  const log = progress();
  const stateFile = path.join(buildRoot, seriesBuildName, 'bisect-state.json');
  const deps: SeriesDeps = {
    build: async (k) => {
      const r = await buildKernel({ tree: values.tree, series: path.resolve(seriesFile), prefix: k, flavour: oracle.flavour, name: seriesBuildName, log, onProgress: buildProgressLog(log), manifest: false });
      return { bzImage: r.bzImage, key: r.record.key, reused: r.reused, srcDir: r.srcDir, objDir: r.objDir };
    },
    runOnce: realRunOnce(oracle, log),
  };
  const r = await seriesCore(series, oracle, stateFile, deps, log, values.tree ? path.resolve(values.tree) : 'debian');
  for (const l of formatSeriesReport(series, r)) console.log(l);
  if (r.problem && r.tested.length === 1) return 3;
  return r.first !== null ? 0 : 1;
}
