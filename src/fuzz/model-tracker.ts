// The reference model run step by step while a scenario is generated (as
// `predict` does), so the generator only emits steps the model covers, knows
// which processes may still be blocked, and which caught signals are due.
// The model only guides what is *generated*; outcomes are still checked
// against the guest's trace afterwards, so a wrong guidance costs coverage,
// never a false pass.

import type { Step } from '../scenario/ast.js';
import type { KState, Proc } from '../model/state.js';
import { clone } from '../model/state.js';
import { applyStep, type ModelCtx } from '../model/step.js';
import { closeHidden } from '../model/hidden.js';
import { initialState } from '../model/init.js';
import { withOptions, type ModelOptions } from '../model/options.js';
import { Unmodelled } from '../model/unmodelled.js';
import { dedupStates } from '../model/describe.js';
import type { Profile } from '../model/profile.js';
import type { Scenario } from '../scenario/ast.js';
import type { GuestFacts } from '../check/setup.js';

/** More states than this after a step: the step is refused (the checker's search would be slow). */
const MAX_FRONTIER = 32;

export class ModelTracker {
  private frontier: KState[];
  private readonly ctx: ModelCtx;
  private readonly opts: ModelOptions;
  /** The first step the model crashed on (a model bug), if any. */
  crash: { step: Step; error: string } | undefined;

  constructor(header: Scenario, profile: Profile, guest: GuestFacts, model?: Partial<ModelOptions>) {
    this.opts = withOptions({ ...model, settleMs: model?.settleMs ?? 200 });
    this.ctx = { profile, opts: this.opts };
    this.frontier = [initialState(header, guest, profile)];
  }

  /** Applies the step if the model covers it in every state; false (and no change) otherwise. */
  tryStep(step: Step): boolean {
    let after: KState[];
    try {
      after = this.frontier.flatMap((s) => closeHidden(s, this.opts)).flatMap((s) => applyStep(s, step, this.ctx));
    } catch (e) {
      if (e instanceof Unmodelled) return false;
      // A model crash is a finding, not a reason to stop generating: the step is not
      // taken and the crash is kept for the campaign's report.
      this.crash ??= { step, error: e instanceof Error ? e.stack ?? e.message : String(e) };
      return false;
    }
    if (after.length === 0) return false;
    const next: KState[] = [];
    for (const s0 of after) {
      for (const s of closeHidden(s0, this.opts)) {
        for (const p of s.procs) {
          const st = p.status;
          if (st.k === 'blocked' && !st.reported) {
            p.status = { ...st, reported: true };
            s.clock += this.opts.settleMs;
          } else if (st.k === 'completed') p.status = { k: 'idle' };
          if (!p.alive) p.exitReported = true;
        }
        s.inflight = [];
        s.why = [];
        next.push(s);
      }
    }
    const d = dedupStates(next);
    if (d.length > MAX_FRONTIER) return false;
    this.frontier = d;
    return true;
  }

  /** A snapshot to restore with `restore` (for a step tried and taken back). */
  save(): KState[] {
    return this.frontier.map(clone);
  }

  restore(saved: KState[]): void {
    this.frontier = saved;
  }

  get states(): readonly KState[] {
    return this.frontier;
  }

  private procs(name: string): (Proc | undefined)[] {
    return this.frontier.map((s) => s.procs.find((p) => p.name === name));
  }

  /** Alive in every state. */
  alive(name: string): boolean {
    return this.procs(name).every((p) => p !== undefined && p.alive);
  }

  /** Dead in every state. */
  dead(name: string): boolean {
    return this.procs(name).every((p) => p !== undefined && !p.alive);
  }

  /** Blocked in some state. */
  mayBeBlocked(name: string): boolean {
    return this.procs(name).some((p) => p?.alive === true && p.status.k === 'blocked');
  }

  /** Blocked in every state. */
  blocked(name: string): boolean {
    return this.procs(name).every((p) => p?.alive === true && p.status.k === 'blocked');
  }

  /** What a blocked process waits for (in the first state where it is blocked). */
  waitOf(name: string): { kind: string; ino: number } | null {
    for (const p of this.procs(name)) if (p?.status.k === 'blocked') return { kind: p.status.wait.kind, ino: p.status.wait.ino };
    return null;
  }

  /** A caught, not yet waited-for signal (signo, or any when null) is due to the process in some state. */
  signalDue(name: string, signo: number | null): boolean {
    return this.procs(name).some((p) => p !== undefined && p.unwaited.some((x) => signo === null || x === signo));
  }

  /**
   * Whether the name is bound to a real fd number in every state. The runner
   * binds a name only when its step succeeds, so a name whose step failed
   * (the model keeps -1) must not be used again.
   */
  bound(proc: string, name: string): boolean {
    return this.procs(proc).every((p) => p !== undefined && (p.names[name] ?? -1) >= 0);
  }

  /** The lease-break time in force (seconds), from the first state. */
  leaseBreakTime(): number {
    return this.frontier[0]?.sysctl.leaseBreakTime ?? 45;
  }

  /** Fd names of `proc` whose number refers to a file holding a lease on `ino` (first state). */
  leaseHolderNames(ino: number): { proc: string; name: string }[] {
    const s = this.frontier[0];
    if (!s) return [];
    const files = new Set((s.inodes.get(ino)?.leases ?? []).filter((l) => l.layout === undefined).map((l) => l.file));
    const out: { proc: string; name: string }[] = [];
    for (const p of s.procs) {
      if (!p.alive || p.status.k === 'blocked') continue;
      for (const [name, n] of Object.entries(p.names)) {
        const e = n >= 0 ? p.fds[n] : null;
        if (e && files.has(e.file) && p.nameOpen[name]) out.push({ proc: p.name, name });
      }
    }
    return out;
  }

  /** Permission events not yet answered (queued or read), in some state. */
  permPending(): boolean {
    return this.frontier.some((s) => (s.fan?.groups ?? []).some((g) => g.alive && (g.access.length > 0 || g.queue.some((e) => e.perm !== null))));
  }

  /** Events queued in some group (first state), for weighting reads. */
  eventsQueued(): boolean {
    return (this.frontier[0]?.fan?.groups ?? []).some((g) => g.alive && g.queue.length > 0);
  }

  /** (proc, name) pairs of fanotify group fds held by live, unblocked processes (first state). */
  groupHolders(): { proc: string; name: string; content: boolean }[] {
    const s = this.frontier[0];
    if (!s) return [];
    const out: { proc: string; name: string; content: boolean }[] = [];
    for (const p of s.procs) {
      if (!p.alive || p.status.k === 'blocked') continue;
      for (const [name, n] of Object.entries(p.names)) {
        const e = n >= 0 ? p.fds[n] : null;
        const f = e ? s.files.get(e.file) : undefined;
        if (f?.kind === 'fanotify' && p.nameOpen[name]) {
          const g = s.fan?.groups.find((x) => x.id === f.group);
          out.push({ proc: p.name, name, content: g !== undefined && (g.flags & 0xc) !== 0 });
        }
      }
    }
    return out;
  }
}
