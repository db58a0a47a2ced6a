// One warm guest for a whole fuzz campaign: every batch of generated
// scenarios, every reproduction and every shrink round runs in it, checked
// against the model (with the campaign's model options, so a planted wrong
// rule is seen). A runner failure recycles the guest; a kernel oops ends the
// session (the campaign reports it).
import { guestRunnerFailure } from './runner-failure.js';
import { launchGuest } from '../../harness/launch.js';
import type { Guest } from '../../harness/guest.js';
import { VfslabError } from '../../harness/errors.js';
import type { OopsFinding } from '../../harness/console/oops.js';
import type { Scenario } from '../scenario/ast.js';
import { serializePlan } from '../scenario/wire.js';
import { parseTrace, groupByScenario } from '../trace/parse.js';
import type { Observation } from '../trace/types.js';
import { checkTrace, type GuestFacts, type Verdict } from '../check/index.js';
import type { ModelOptions } from '../model/options.js';
import { RUNNER, type RunRequest } from './run-scenarios.js';

const PLAN = '/tmp/vfslab-fuzz-plan';
const BASE = '/mnt/pmem/vfslab-fuzz';

/** The guest and kernel as `vfslab run` takes them; the settle time is required here. */
export interface SessionOptions extends Pick<RunRequest, 'kernel' | 'profile' | 'pmem' | 'fs' | 'dax' | 'accel'> {
  settleMs: number;
  model?: Partial<ModelOptions>;
  log?: (line: string) => void;
}

export interface Checked {
  verdict: Verdict;
  observations: Observation[];
}

export class FuzzSession {
  /** Scenarios run in the guest so far (each batch member counts once). */
  guestRuns = 0;
  batches = 0;
  private guest: Guest | undefined;
  private readonly oopsList: OopsFinding[] = [];

  constructor(private readonly o: SessionOptions) {}

  /** The model options traces are checked with from now on (a test plants a wrong rule, then removes it). */
  setModel(model: Partial<ModelOptions> | undefined): void {
    this.o.model = model;
  }

  get facts(): GuestFacts {
    return { pmem: this.o.pmem, fs: this.o.fs, dax: this.o.dax };
  }

  /** Kernel oopses seen on any guest of this session. */
  oopses(): OopsFinding[] {
    return [...this.oopsList, ...(this.guest?.oopses() ?? [])];
  }

  private async boot(): Promise<Guest> {
    if (this.guest) return this.guest;
    const { guest } = await launchGuest({ kernel: this.o.kernel, accel: this.o.accel, pmem: this.o.pmem, fs: this.o.fs, dax: this.o.dax, log: this.o.log });
    this.guest = guest;
    return guest;
  }

  private async retire(): Promise<void> {
    const g = this.guest;
    this.guest = undefined;
    if (!g) return;
    this.oopsList.push(...g.oopses());
    if (g.oopses().length) g.markFailed();
    await g.shutdown();
  }

  /** Runs the scenarios as one runner batch and checks each trace; never throws for a runner failure. */
  async run(scenarios: readonly Scenario[]): Promise<Checked[]> {
    if (scenarios.length === 0) return [];
    const guest = await this.boot();
    this.guestRuns += scenarios.length;
    this.batches++;
    let text = '';
    let failure = '';
    try {
      await guest.upload(Buffer.from(serializePlan(scenarios, { settleMs: this.o.settleMs })), PLAN);
      // --blocked-by-wchan: a step asleep in a lease break or a fanotify wait is
      // reported blocked at once, not after the settle time (most of a batch's
      // time otherwise); merely slow steps still get the whole settle time.
      const r = await guest.exec(`rm -rf ${BASE}; mkdir -p ${BASE} && ${RUNNER} --plan ${PLAN} --base ${BASE} --blocked-by-wchan`, { timeoutMs: 60_000 + 10_000 * scenarios.length });
      text = r.stdout;
      failure = guestRunnerFailure(guest, r);
    } catch (e) {
      if (!(e instanceof VfslabError)) throw e;
      failure = e.message;
    }
    const traces = new Map(groupByScenario(parseTrace(text).observations).map((t) => [t.index, t]));
    const out = scenarios.map((sc, k): Checked => {
      const t = traces.get(k);
      const observations = t?.observations ?? [];
      if (!t || !t.complete) return { observations, verdict: { kind: 'infra', scenario: sc.name, reason: failure || 'the runner did not finish this scenario' } };
      return { observations, verdict: checkTrace(sc, this.o.profile, observations, { guest: this.facts, model: this.o.model }) };
    });
    if (failure || guest.oopses().length) {
      this.o.log?.(`fuzz: ${failure || 'kernel oops on the console'}; recycling the guest`);
      await this.retire();
    }
    return out;
  }

  async close(): Promise<void> {
    await this.retire();
  }
}
