// Hidden steps: things that happen between observations without a step of
// their own. In this core that is a blocked breaker's sleep in __break_lease
// running out at lease-break-time: time_out_leases downgrades or removes the
// lease and the breaker proceeds. A deadline that may have passed gives two
// states; one that has surely passed gives only the expired one.

import type { KState } from './state.js';
import { clone } from './state.js';
import { breakerDeadlines, expiry, timeOutLeases } from './lease.js';
import type { ModelOptions } from './options.js';
import { fanHidden } from './fanotify-perm.js';
import { mdHidden } from './map-direct.js';

export function closeHidden(s: KState, opts: ModelOptions): KState[] {
  // A fanotify permission waiter resumes some time after its answer; then lease deadlines.
  // MAP_DIRECT revocations run on their own timer (map-direct.ts).
  return fanHidden(s).flatMap((t) => leaseHidden(t, opts)).flatMap((t) => mdHidden(t, opts)).flatMap(mergeHidden);
}

/**
 * A standard signal sent again to another process within one step
 * (InFlightSignal.mergeable): legacy_queue drops it if the first was still
 * pending. Either the target took the first in between (both are caught) or
 * not (one is).
 */
function mergeHidden(s: KState): KState[] {
  const i = s.inflight.findIndex((x) => x.mergeable);
  if (i < 0) return [s];
  const kept = clone(s);
  delete kept.inflight[i]!.mergeable;
  kept.why = [...s.why];
  const merged = clone(s);
  const x = merged.inflight.splice(i, 1)[0]!;
  const p = merged.procs.find((q) => q.name === x.proc);
  const k = p ? p.unwaited.lastIndexOf(x.signo) : -1;
  if (p && k >= 0) p.unwaited.splice(k, 1);
  merged.why = [...s.why, `legacy_queue: ${x.proc} had not taken the first signal ${x.signo} yet, so the second was not queued`];
  return [...mergeHidden(kept), ...mergeHidden(merged)];
}

function leaseHidden(s: KState, opts: ModelOptions): KState[] {
  const ds = breakerDeadlines(s);
  if (ds.length === 0) return [s];
  const forced = ds.filter((d) => expiry(d.at, s.clock, opts.expirySlackMs) === 'yes');
  const maybe = ds.filter((d) => expiry(d.at, s.clock, opts.expirySlackMs) === 'maybe');
  if (forced.length === 0 && maybe.length === 0) return [s];
  const out: KState[] = [];
  const apply = (base: KState, list: { ino: number; at: number }[]): KState => {
    const t = clone(base);
    for (const d of list) {
      const inode = t.inodes.get(d.ino);
      if (inode) timeOutLeases(t, inode, (at) => at !== null && at <= d.at);
    }
    return t;
  };
  if (maybe.length === 0) return [apply(s, forced)];
  // Either none of the uncertain deadlines has passed yet, or all up to some point have.
  const sorted = [...maybe].sort((a, b) => a.at - b.at);
  out.push(forced.length ? apply(s, forced) : s);
  for (let i = 0; i < sorted.length; i++) out.push(apply(s, [...forced, ...sorted.slice(0, i + 1)]));
  return out;
}
