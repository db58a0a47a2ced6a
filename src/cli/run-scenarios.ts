// One guest, many scenarios: boot, run the plan in batches through the guest's
// vfslab-runner, check every scenario's trace against the model. Shared by
// `vfslab run` and the VM test suite.
import { guestRunnerFailure } from './runner-failure.js';
import { launchGuest } from '../../harness/launch.js';
import type { OopsFinding } from '../../harness/console/oops.js';
import type { AccelRequest } from '../../harness/qemu/accel.js';
import type { DaxMode, FsType, PmemBackend } from '../../harness/qemu/args.js';
import { VfslabError } from '../../harness/errors.js';
import { processInterrupted } from '../../harness/cleanup.js';
import { crashPoint, faultCommandPrefix, faultFromEnv, type TestFault } from '../../harness/test-seams.js';
import type { Scenario } from '../scenario/ast.js';
import { serializePlan } from '../scenario/wire.js';
import { parseTrace, groupByScenario } from '../trace/parse.js';
import type { Observation } from '../trace/types.js';
import { checkTrace, setupMismatch, type GuestFacts, type Verdict } from '../check/index.js';
import { missingFeatures, type Profile } from '../model/profile.js';
import { scenarioMs } from '../report/timing.js';

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
  /** Test seam: a fault while batch N runs (harness/test-seams.ts); default from VFSLAB_TEST_FAULT. */
  fault?: TestFault;
  /** Test seam: the host's limit for one batch (default 60 s + 15 s per scenario). */
  batchTimeoutMs?: number;
  /** Boot stages of every guest the run starts (for live progress). */
  onStage?: (stage: { name: string; ms: number }) => void;
  /** Called as each guest's QEMU starts. */
  onSpawn?: () => void;
  /** Called as each scenario's verdict is known (for live TAP output). */
  onResult?: (r: ScenarioResult, index: number) => void;
}

export interface ScenarioResult {
  scenario: Scenario;
  verdict: Verdict;
  observations: Observation[];
  ms: number;
}

/** A kernel oops or warning, and the console log (kept: the guest failed) that holds all of it. */
export type RunOopsFinding = OopsFinding & { consoleLog: string };

export interface RunOutcome {
  results: ScenarioResult[];
  oopses: RunOopsFinding[];
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
  /** Scenarios that will not run: reported, never dropped. */
  const notRun = (indices: readonly number[], reason: string): void => {
    for (const i of indices) deliver(i, { scenario: req.scenarios[i]!, verdict: { kind: 'infra', scenario: req.scenarios[i]!.name, reason }, observations: [], ms: 0 });
  };
  const runnable: number[] = [];
  let batchNo = 0;
  const fault: TestFault | undefined =
    req.fault ?? (req.killRunnerInBatch !== undefined ? { kind: 'kill-runner', batch: req.killRunnerInBatch } : faultFromEnv());
  req.scenarios.forEach((sc, i) => {
    const why = notApplicable(sc, req.profile, facts);
    if (why) deliver(i, { scenario: sc, verdict: { kind: 'not-applicable', scenario: sc.name, reason: why }, observations: [], ms: 0 });
    else runnable.push(i);
  });
  // Ending by a signal (another handler may hold the exit a moment): no guest is started.
  const stopping = processInterrupted();
  if (stopping) notRun(runnable.splice(0), `not run: vfslab interrupted by ${stopping}`);
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
        onStage: req.onStage,
        onSpawn: req.onSpawn,
      })
    ).guest;
  let guest = await boot();
  const bootMs = guest.stages.find((s) => s.name === 'ssh-ready')?.ms ?? 0;
  log(`guest ready in ${(bootMs / 1000).toFixed(2)} s (${guest.accel.accel}, ssh port ${guest.sshPort}, console ${guest.consoleLogPath})`);
  // Oopses and console of guests already recycled.
  const oopses: RunOopsFinding[] = [];
  let consoleText = '';
  let retired = false;
  const retire = async (graceMs?: number): Promise<void> => {
    if (retired) return;
    retired = true;
    oopses.push(...guest.oopses().map((o) => ({ ...o, consoleLog: guest.consoleLogPath })));
    consoleText += guest.consoleText();
    if (guest.oopses().length) guest.markFailed();
    await guest.shutdown(graceMs);
  };
  try {
    const size = req.batchSize ?? 25;
    for (let b = 0; b < runnable.length; b += size) {
      // Ending by a signal: no new batch, no new guest.
      const signal = processInterrupted();
      if (signal) {
        notRun(runnable.slice(b), `not run: vfslab interrupted by ${signal}`);
        break;
      }
      const failure = await runBatch(runnable.slice(b, b + size));
      // A runner that crashed or an exec that timed out may leave the guest wedged:
      // the rest of the scenarios get a fresh guest.
      if (failure && b + size < runnable.length && !processInterrupted()) {
        log(`run: ${failure}; recycling the guest for the remaining ${runnable.length - b - size} scenario(s)`);
        // A guest that failed may be wedged (a frozen fs makes poweroff's sync hang): a short grace.
        await retire(5000);
        try {
          guest = await boot();
          retired = false;
        } catch (e) {
          if (!(e instanceof VfslabError)) throw e;
          // Finished verdicts stay; the rest are reported as not run, never dropped.
          const reason = `not run: no guest after recycling (${e.message.split('\n')[0]}); first failure: ${failure}`;
          log(`run: ${reason}`);
          notRun(runnable.slice(b + size), reason);
          break;
        }
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
    let hostFaultTimer: NodeJS.Timeout | undefined;
    try {
      await guest.upload(Buffer.from(serializePlan(scenarios, { settleMs: req.settleMs })), PLAN);
      const f = fault?.batch === batchNo ? fault.kind : undefined;
      // Host-side faults, 1 s in like the guest-side ones: the scenario is mid-run by then.
      if (f === 'drop-ssh') hostFaultTimer = setTimeout(() => guest.dropConnection(), 1000);
      if (f === 'kill-qemu') hostFaultTimer = setTimeout(() => guest.killQemu(), 1000);
      const prefix = f ? faultCommandPrefix(f) : '';
      // Generous: lease-break scenarios wait seconds by design; the runner's watchdog bounds each step.
      const r = await guest.exec(`${prefix}mkdir -p ${BASE} && ${RUNNER} --plan ${PLAN} --base ${BASE}`, {
        timeoutMs: req.batchTimeoutMs ?? 60_000 + 15_000 * scenarios.length,
      });
      text = r.stdout;
      failure = guestRunnerFailure(guest, r);
    } catch (e) {
      if (!(e instanceof VfslabError)) throw e;
      failure = e.message;
      // Scenarios whose trace is complete in what arrived are checked as usual.
      text = e.partialStdout ?? '';
    } finally {
      clearTimeout(hostFaultTimer);
      batchNo++;
    }
    // The signal's cleanup killed QEMU under the batch: that, not QEMU or SSH, is why it did not finish.
    const signal = processInterrupted();
    if (failure && signal) failure = `vfslab interrupted by ${signal}`;
    const ms = (performance.now() - t0) / scenarios.length;
    batchVerdicts(scenarios, text, failure, req.profile, facts).forEach((r, k) => {
      deliver(batch[k]!, { scenario: scenarios[k]!, ...r, ms: scenarioMs(r.observations, ms) });
    });
    crashPoint('run');
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
