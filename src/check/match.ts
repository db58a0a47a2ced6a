// Compares one model StepResult with one observed `done` line.

import type { StepDone } from '../trace/types.js';
import type { StepResult } from '../model/state.js';
import { hexOf } from '../model/describe.js';
import { errnoName } from '../scenario/flags.js';
import { fanMismatch } from './fanotify-match.js';

/** What the trace tells about the run: real pids of scenario processes, the scenario dir. */
export interface TraceEnv {
  pids: Map<string, { pid: number; pgid: number }>;
  dir: string;
}

function pidValue(env: TraceEnv, ref: { proc: string; pgrp: boolean }): number | undefined {
  const p = env.pids.get(ref.proc);
  if (!p) return undefined;
  return ref.pgrp ? -p.pgid : p.pid;
}

export const substDir = (link: string, env: TraceEnv): string => link.split('${dir}').join(env.dir);

/** null when the observation is this result; otherwise what differs. */
export function mismatch(r: StepResult, o: StepDone, env: TraceEnv): string | null {
  if (r.errno !== o.errno) return `errno ${o.errno ? errnoName(o.errno) : 0} instead of ${r.errno ? errnoName(r.errno) : 0}`;
  if (r.events !== undefined) return fanMismatch(r, o, env);
  if (r.link !== undefined) {
    const want = substDir(r.link, env);
    if (o.link !== want) return `link "${o.link ?? ''}" instead of "${want}"`;
    if (o.ret !== want.length) return `ret ${o.ret} instead of ${want.length}`;
  } else if (r.retPid) {
    const want = pidValue(env, r.retPid);
    if (want !== undefined ? o.ret !== want : o.retProc !== r.retPid.proc) {
      return `ret ${o.ret}${o.retProc ? ` (${o.retProc})` : ''} instead of ${r.retPid.pgrp ? '-pgid' : 'pid'} of ${r.retPid.proc}${want !== undefined ? ` (${want})` : ''}`;
    }
  } else if (r.ret !== o.ret) {
    return `ret ${o.ret} instead of ${r.ret}`;
  }
  if (r.data !== undefined && hexOf(r.data) !== (o.data ?? '')) return `data ${o.data ?? '(none)'} instead of ${hexOf(r.data)}`;
  if (r.statx) {
    if (!o.statx) return 'no statx fields reported';
    for (const k of ['mode', 'nlink', 'size'] as const) {
      const want = r.statx[k];
      if (want !== undefined && o.statx[k] !== want) return `stx_${k} ${k === 'mode' ? '0' + o.statx[k].toString(8) : o.statx[k]} instead of ${k === 'mode' ? '0' + want.toString(8) : want}`;
    }
    const a = r.statx.attrs;
    if (a) {
      const hex = (n: number): string => `0x${n.toString(16)}`;
      // Bitwise ops are 32-bit: the attribute bits compared here are below 2^31.
      if ((o.statx.attributesMask & a.of) !== a.mask) return `stx_attributes_mask & ${hex(a.of)} = ${hex(o.statx.attributesMask & a.of)} instead of ${hex(a.mask)}`;
      if ((o.statx.attributes & a.of) !== a.set) return `stx_attributes & ${hex(a.of)} = ${hex(o.statx.attributes & a.of)} instead of ${hex(a.set)}`;
    }
  }
  if (r.mem) {
    const seen = o.outcome ?? '(none)';
    if (seen !== r.mem.outcome) return `memory access ${seen} instead of ${r.mem.outcome}`;
    if (r.mem.code !== undefined && o.fault?.code !== r.mem.code) return `fault si_code ${o.fault?.code ?? '(none)'} instead of ${r.mem.code}`;
    if (r.mem.offset !== undefined && o.fault?.offset !== r.mem.offset) return `fault offset ${o.fault?.offset ?? '(none)'} instead of ${r.mem.offset}`;
  }
  if (r.fds) {
    const seen = o.fds ?? {};
    const a = JSON.stringify(Object.entries(seen).sort());
    const b = JSON.stringify(Object.entries(r.fds).sort());
    if (a !== b) return `names after execve ${a} instead of ${b}`;
  }
  if (r.blockedSeq !== undefined && (o.blockedSeq ?? null) !== r.blockedSeq) return `blocked step ${o.blockedSeq ?? 'none'} instead of ${r.blockedSeq ?? 'none'}`;
  if (r.owner) {
    if (!o.owner) return 'no F_GETOWN_EX owner reported';
    if (o.owner.type !== r.owner.type) return `owner type ${o.owner.type} instead of ${r.owner.type}`;
    const want = r.owner.pid === 0 ? 0 : pidValue(env, { proc: r.owner.pid.proc, pgrp: false });
    if (want !== undefined && o.owner.pid !== want) return `owner pid ${o.owner.pid} instead of ${want}`;
  }
  return null;
}
