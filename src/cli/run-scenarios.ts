// One guest, many scenarios: boot, run the plan in batches through the guest's
// vfslab-runner, check every scenario's trace against the model. Shared by
// `vfslab run` and the VM test suite.
import { launchGuest } from '../../harness/launch.js';
import type { OopsFinding } from '../../harness/console/oops.js';
import type { AccelRequest } from '../../harness/qemu/accel.js';
import type { DaxMode, FsType, PmemBackend } from '../../harness/qemu/args.js';
import { VfslabError } from '../../harness/errors.js';
import type { Scenario } from '../scenario/ast.js';
import { serializePlan } from '../scenario/wire.js';
import { parseTrace, groupByScenario } from '../trace/parse.js';
import type { Observation } from '../trace/types.js';
import { checkTrace, setupMismatch, type GuestFacts, type Verdict } from '../check/index.js';
import { missingFeatures, type Profile } from '../model/profile.js';

export const RUNNER = '/opt/vfslab/bin/vfslab-runner';
const PLAN = '/tmp/vfslab-plan';
const BASE = '/mnt/pmem/vfslab-run';

export interface RunRequest {
  scenarios: readonly Scenario[];
  kernel: string;
  profile: Profile;
  pmem: PmemBackend;
  fs: FsType;
  dax: DaxMode;
  accel?: AccelRequest;
  settleMs?: number;
  /** Scenarios per runner invocation: a runner crash costs at most one batch. */
  batchSize?: number;
  keepOnFailure?: boolean;
  /** Prepare pmem in the guest instead of from a per-kernel template (a kernel booted once, e.g. by bisect). */
  noTemplate?: boolean;
  log?: (line: string) => void;
  /** Test seam: kill the guest's runner 1 s into batch N (0-based), as a crash would. */
  killRunnerInBatch?: number;
  /** Called as each scenario's verdict is known (for live TAP output). */
  onResult?: (r: ScenarioResult, index: number) => void;
}

export interface ScenarioResult {
  scenario: Scenario;
  verdict: Verdict;
  observations: Observation[];
  ms: number;
}

export interface RunOutcome {
  results: ScenarioResult[];
  oopses: OopsFinding[];
  consoleLog: string;
  bootMs: number;
  /** Absent when no scenario needed a guest. */
  guest?: { argv: readonly string[]; accel: string; accelSource: string; consoleText: string };
}

/** Why a scenario cannot run on this guest, before anything runs. */
export function notApplicable(sc: Scenario, profile: Profile, guest: GuestFacts): string | null {
  const missing = missingFeatures(profile, sc.requires);
  if (missing.length) return `kernel profile ${profile.name} lacks ${missing.join(', ')}`;
  return setupMismatch(sc.setup, guest);
}

export async function runScenarios(req: RunRequest): Promise<RunOutcome> {
  const log = req.log ?? (() => {});
  const facts: GuestFacts = { pmem: req.pmem, fs: req.fs, dax: req.dax };
  const results: (ScenarioResult | undefined)[] = new Array(req.scenarios.length);
  const deliver = (i: number, r: ScenarioResult): void => {
    results[i] = r;
    req.onResult?.(r, i);
  };
  const runnable: number[] = [];
  let batchNo = 0;
  req.scenarios.forEach((sc, i) => {
    const why = notApplicable(sc, req.profile, facts);
    if (why) deliver(i, { scenario: sc, verdict: { kind: 'not-applicable', scenario: sc.name, reason: why }, observations: [], ms: 0 });
    else runnable.push(i);
  });
  if (runnable.length === 0) return { results: results as ScenarioResult[], oopses: [], consoleLog: '', bootMs: 0 };

  const boot = async () =>
    (
      await launchGuest({
        kernel: req.kernel,
        accel: req.accel,
        pmem: req.pmem,
        fs: req.fs,
        dax: req.dax,
        keepOnFailure: req.keepOnFailure,
        noTemplate: req.noTemplate,
        log,
      })
    ).guest;
  let guest = await boot();
  const bootMs = guest.stages.find((s) => s.name === 'ssh-ready')?.ms ?? 0;
  log(`guest ready in ${(bootMs / 1000).toFixed(2)} s (${guest.accel.accel}, ssh port ${guest.sshPort}, console ${guest.consoleLogPath})`);
  // Oopses and console of guests already recycled.
  const oopses: OopsFinding[] = [];
  let consoleText = '';
  const retire = async (): Promise<void> => {
    oopses.push(...guest.oopses());
    consoleText += guest.consoleText();
    if (guest.oopses().length) guest.markFailed();
    await guest.shutdown();
  };
  try {
    const size = req.batchSize ?? 25;
    for (let b = 0; b < runnable.length; b += size) {
      const failure = await runBatch(runnable.slice(b, b + size));
      // A runner that crashed or an exec that timed out may leave the guest wedged:
      // the rest of the scenarios get a fresh guest.
      if (failure && b + size < runnable.length) {
        log(`run: ${failure}; recycling the guest for the remaining ${runnable.length - b - size} scenario(s)`);
        await retire();
        guest = await boot();
      }
    }
  } finally {
    await retire();
  }
  return {
    results: results as ScenarioResult[],
    oopses,
    consoleLog: guest.consoleLogPath,
    bootMs,
    guest: { argv: guest.argv, accel: guest.accel.accel, accelSource: guest.accel.source, consoleText },
  };

  /** Runs one batch; returns why the runner failed as a whole ('' when it did not). */
  async function runBatch(batch: number[]): Promise<string> {
    const scenarios = batch.map((i) => req.scenarios[i]!);
    const t0 = performance.now();
    let text = '';
    let failure = '';
    try {
      await guest.upload(Buffer.from(serializePlan(scenarios, { settleMs: req.settleMs })), PLAN);
      // Generous: lease-break scenarios wait seconds by design; the runner's watchdog bounds each step.
      const fault = req.killRunnerInBatch === batchNo++ ? '(sleep 1; killall -KILL vfslab-runner) & ' : '';
      const r = await guest.exec(`mkdir -p ${BASE} && ${fault}${RUNNER} --plan ${PLAN} --base ${BASE}`, { timeoutMs: 60_000 + 15_000 * scenarios.length });
      text = r.stdout;
      if (r.code !== 0 && r.code !== 1) failure = `vfslab-runner exited ${r.code ?? r.signal}: ${r.stderr.trim().split('\n').pop() ?? ''}`;
    } catch (e) {
      if (!(e instanceof VfslabError)) throw e;
      failure = e.message;
    }
    const ms = (performance.now() - t0) / scenarios.length;
    batchVerdicts(scenarios, text, failure, req.profile, facts).forEach((r, k) => {
      deliver(batch[k]!, { scenario: scenarios[k]!, ...r, ms });
    });
    return failure;
  }
}

/**
 * Verdicts for one runner batch from its stdout. A scenario whose trace is
 * complete is checked even if the runner died later in the batch; the ones it
 * never finished are infrastructure errors, never kernel divergences.
 */
export function batchVerdicts(
  scenarios: readonly Scenario[],
  stdout: string,
  failure: string,
  profile: Profile,
  facts: GuestFacts,
): { verdict: Verdict; observations: Observation[] }[] {
  const traces = new Map(groupByScenario(parseTrace(stdout).observations).map((t) => [t.index, t]));
  return scenarios.map((sc, k) => {
    const trace = traces.get(k);
    const observations = trace?.observations ?? [];
    if (!trace || !trace.complete) {
      return { observations, verdict: { kind: 'infra', scenario: sc.name, reason: failure || 'the runner did not finish this scenario' } };
    }
    return { observations, verdict: checkTrace(sc, profile, observations, { guest: facts }) };
  });
}
