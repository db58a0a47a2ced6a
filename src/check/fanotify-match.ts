// Compares the events the model predicts for a fanotify_read with the
// decoded events of the observed `done` (src/trace/types.ts FanotifyEvent).
// FID handles are filesystem specific: record types, names and the lengths'
// consistency are compared, not the handle bytes.

import type { StepResult } from '../model/state.js';
import type { StepDone } from '../trace/types.js';
import { substDir, type TraceEnv } from './match.js';

const hex = (n: number | null): string => (n === null ? 'none' : '0x' + n.toString(16));

export function fanMismatch(r: StepResult, o: StepDone, env: TraceEnv): string | null {
  const want = r.events ?? [];
  const seen = o.events ?? [];
  if (r.errno !== 0) return r.ret !== o.ret ? `ret ${o.ret} instead of ${r.ret}` : null;
  const total = seen.reduce((n, e) => n + e.eventLen, 0);
  if (o.ret !== total) return `ret ${o.ret} but the events decoded add up to ${total}`;
  if (r.ret >= 0 && o.ret !== r.ret) return `ret ${o.ret} instead of ${r.ret}`;
  if (seen.length !== want.length) return `${seen.length} event(s) instead of ${want.length}`;
  for (let i = 0; i < want.length; i++) {
    const w = want[i]!;
    const e = seen[i]!;
    const at = `event ${i}`;
    if (e.mask !== w.mask) return `${at}: mask ${hex(e.mask)} instead of ${hex(w.mask)}`;
    if (e.fd !== w.fd) return `${at}: fd ${e.fd} instead of ${w.fd}`;
    const pid = w.pid === null ? 0 : env.pids.get(w.pid)?.pid;
    if (pid === undefined ? e.pidProc !== w.pid : e.pid !== pid) return `${at}: pid ${e.pid}${e.pidProc ? ` (${e.pidProc})` : ''} instead of ${w.pid ?? 0}`;
    if (e.vers !== 3 || e.metadataLen !== 24) return `${at}: vers ${e.vers} metadata_len ${e.metadataLen} instead of 3 / 24`;
    if (w.eventLen !== null && e.eventLen !== w.eventLen) return `${at}: event_len ${e.eventLen} instead of ${w.eventLen}`;
    if (e.eventLen !== 24 + e.info.reduce((n, x) => n + x.len, 0)) return `${at}: event_len ${e.eventLen} is not 24 + its records`;
    if (e.name !== w.name) return `${at}: bound to ${e.name ?? 'no name'} instead of ${w.name ?? 'no name'}`;
    const link = w.link === null ? null : substDir(w.link, env);
    if (e.path !== link) return `${at}: event fd path "${e.path ?? ''}" instead of "${link ?? ''}"`;
    if (e.flags !== w.flags) return `${at}: F_GETFL ${hex(e.flags)} instead of ${hex(w.flags)}`;
    if (e.fdFlags !== w.fdFlags) return `${at}: F_GETFD ${e.fdFlags} instead of ${w.fdFlags}`;
    if (e.offset !== w.offset) return `${at}: offset ${e.offset} instead of ${w.offset}`;
    if (e.info.length !== w.info.length) return `${at}: ${e.info.length} info record(s) instead of ${w.info.length}`;
    for (let k = 0; k < w.info.length; k++) {
      const a = e.info[k]!;
      const b = w.info[k]!;
      if (a.type !== b.type) return `${at}: info record ${k} type ${a.type} instead of ${b.type}`;
      if (b.name !== undefined && a.name !== b.name) return `${at}: info record ${k} name "${a.name ?? ''}" instead of "${b.name}"`;
    }
  }
  return null;
}
