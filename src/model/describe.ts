// Human-readable views of model states and results, for divergence reports
// and `vfslab model`. Also a key for de-duplicating states in the search.

import { errnoName, signalName } from '../scenario/flags.js';
import { openFlagsText } from '../scenario/print.js';
import type { KState, StepResult } from './state.js';

export function stateKey(s: KState): string {
  return JSON.stringify([
    s.procs, [...s.files.entries()], [...s.inodes.entries()], [...s.names.entries()], s.clock, s.inflight, s.sysctl, s.mm ?? null, s.fan ?? null,
  ]);
}

const hexOf = (d: string): string => [...d].map((c) => c.charCodeAt(0).toString(16).padStart(2, '0')).join('');

export function describeResult(r: StepResult): string {
  const parts: string[] = [];
  if (r.retPid) parts.push(`ret=${r.retPid.pgrp ? '-pgid' : 'pid'}(${r.retPid.proc})`);
  else if (r.link === undefined) parts.push(`ret=${r.ret}`);
  parts.push(r.errno ? `errno=${errnoName(r.errno)}` : 'errno=0');
  if (r.data !== undefined) parts.push(`data=${hexOf(r.data) || '""'}`);
  if (r.statx) {
    const a = r.statx.attrs;
    const fields = Object.entries(r.statx).filter(([k]) => k !== 'attrs').map(([k, v]) => `${k}=${k === 'mode' ? '0' + (v as number).toString(8) : v}`);
    if (a) fields.push(`attributes&0x${a.of.toString(16)}=0x${a.set.toString(16)} attributes_mask&0x${a.of.toString(16)}=0x${a.mask.toString(16)}`);
    parts.push(`statx{${fields.join(' ')}}`);
  }
  if (r.mem) parts.push(r.mem.outcome === 'ok' ? 'access ok' : `${r.mem.outcome} si_code=${r.mem.code} at offset ${r.mem.offset}`);
  if (r.link !== undefined) parts.push(`link="${r.link}"`);
  if (r.fds) parts.push(`fds{${Object.entries(r.fds).map(([k, v]) => `${k}=${v}`).join(' ')}}`);
  if (r.blockedSeq !== undefined) parts.push(`blockedSeq=${r.blockedSeq}`);
  if (r.events) parts.push(`events[${r.events.map((e) => `{mask=0x${e.mask.toString(16)} fd=${e.fd} pid=${e.pid ?? 0}${e.link !== null ? ` path="${e.link}" flags=0x${(e.flags ?? 0).toString(16)} fd_flags=${e.fdFlags}` : ''}${e.info.length ? ` info=${e.info.map((i) => `${i.type}${i.name !== undefined ? `:"${i.name}"` : ''}`).join(',')}` : ''}}`).join(' ')}]`);
  if (r.owner) parts.push(`owner{type=${r.owner.type} pid=${r.owner.pid === 0 ? 0 : `${r.owner.pid.pgrp ? '-pgid' : 'pid'}(${r.owner.pid.proc})`}}`);
  return parts.join(' ');
}

export { hexOf };

/** A few lines: each process's fds, each open file, each inode's counts and leases. */
export function describeState(s: KState): string[] {
  const lines: string[] = [];
  for (const p of s.procs) {
    const fds = p.fds.map((e, i) => (e ? `${i}->file#${e.file}${e.cloexec ? '(cloexec)' : ''}` : null)).filter((x) => x !== null);
    const st = p.status.k === 'idle' ? '' : p.status.k === 'blocked' ? ` blocked in step ${p.status.step}` : ` step ${p.status.step} done`;
    lines.push(`process ${p.name} pid#${p.pid} pgrp#${p.pgrp}${p.alive ? '' : ` dead(${p.end?.signo ? signalName(p.end.signo) : `status ${p.end?.status}`})`}${st}: fds ${fds.join(' ') || '(none)'}`);
  }
  for (const f of s.files.values()) {
    if (f.kind === 'stdio') continue;
    const own = f.owner.id === null ? 'none' : `${f.owner.type}#${f.owner.id}`;
    lines.push(`file#${f.id} "${f.path}"${f.unlinked ? ' (deleted)' : ''} f_flags=${openFlagsText(f.flags)} refs=${f.refs} pos=${f.pos} owner=${own} sig=${f.owner.signum}`);
  }
  for (const i of s.inodes.values()) {
    if (i.ino === 1) continue;
    const leases = i.leases.map((l) => `${l.type === 0 ? 'F_RDLCK' : 'F_WRLCK'}@file#${l.file}${l.unlockPending ? ' unlock-pending' : ''}${l.downgradePending ? ' downgrade-pending' : ''} fa_fd=${l.faFd}${l.faProc ? ` (${l.faProc}'s table)` : ''}${l.faShut ? ' notifications shut down' : ''}${l.layout !== undefined ? ` FL_LAYOUT (MAP_DIRECT #${l.layout})` : ''}`);
    lines.push(`inode#${i.ino} ${i.type} nlink=${i.nlink} size=${i.size} readers=${i.readcount} writers=${i.writecount}${leases.length ? ' leases: ' + leases.join(', ') : ''}`);
  }
  if (s.inflight.length) lines.push(`signals not yet seen: ${s.inflight.map((x) => `${signalName(x.signo)}->${x.proc}`).join(', ')}`);
  lines.push(`clock >= ${s.clock}ms, fs.lease-break-time=${s.sysctl.leaseBreakTime}`);
  return lines;
}

/** The distinct states of a set (by stateKey): hidden steps often reach one state twice. */
export function dedupStates<T extends KState>(states: T[]): T[] {
  if (states.length < 2) return states;
  const seen = new Set<string>();
  return states.filter((s) => {
    const k = stateKey(s);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
