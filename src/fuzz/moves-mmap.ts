// Mapping moves: mmap of open files (shared, private, MAP_SYNC with
// MAP_SHARED_VALIDATE), loads and stores inside the mapping (faults are
// outcomes), munmap whole or in part, msync, and the file changes that make a
// mapping fault (truncate, punch hole) or that it survives (close of the fd,
// unlink, fork, while execve drops it). The prelude gives "a" two pages.

import type { GenContext } from './gen-context.js';
import type { Rng } from './rng.js';
import { actor, FILES, O_RDONLY, O_RDWR, openName, type MoveTable } from './moves.js';
import { FD_MOVES, closeMove, forkMove, execMove } from './moves-fd.js';

const PAGE = 4096;
const PROT_READ = 1, PROT_WRITE = 2;
const MAP_SHARED = 1, MAP_PRIVATE = 2, MAP_SHARED_VALIDATE = 3, MAP_SYNC = 0x80000;

export function mmapMove(g: GenContext, r: Rng): boolean {
  const p = actor(g, r);
  if (!p) return false;
  let n = openName(g, r, p);
  if (!n || r.chance(0.3)) {
    n = g.fresh('f');
    if (!g.add(p, { kind: 'open', result: n, dir: { kind: 'cwd' }, path: r.pick(FILES), flags: r.chance(0.7) ? O_RDWR : O_RDONLY, mode: 0, at: false })) return false;
  }
  const prot = r.weighted([[3, PROT_READ], [4, PROT_READ | PROT_WRITE], [1, 0]] as const);
  const flags = r.weighted([[5, MAP_SHARED], [3, MAP_PRIVATE], [1, MAP_SHARED_VALIDATE], [2, MAP_SHARED_VALIDATE | MAP_SYNC]] as const);
  const length = r.pick([PAGE, 2 * PAGE]);
  return g.add(p, { kind: 'mmap', map: g.fresh('m'), fd: { kind: 'name', name: n }, length, prot, flags, offset: r.chance(0.15) ? PAGE : 0 });
}

function mapOf(g: GenContext, r: Rng): { proc: string; map: string; length: number } | null {
  const p = actor(g, r);
  if (!p) return null;
  const ms = g.maps(p);
  if (!ms.length) return null;
  const [map, m] = r.pick(ms);
  return { proc: p, map, length: m.length };
}

export function accessMove(g: GenContext, r: Rng): boolean {
  const m = mapOf(g, r);
  if (!m) return false;
  const offset = r.pick([0, 5, 100, PAGE - 1, PAGE, PAGE + 7, 2 * PAGE - 1].filter((o) => o < m.length));
  if (r.chance(0.5)) return g.add(m.proc, { kind: 'load', map: m.map, offset });
  return g.add(m.proc, { kind: 'store', map: m.map, offset, value: r.pick([0x41, 0x7a, 0]) });
}

export function unmapMove(g: GenContext, r: Rng): boolean {
  const m = mapOf(g, r);
  if (!m) return false;
  if (r.chance(0.3)) return g.add(m.proc, { kind: 'msync', map: m.map, flags: r.pick([1, 4]) });
  if (m.length > PAGE && r.chance(0.4)) return g.add(m.proc, { kind: 'munmap', map: m.map, offset: r.pick([0, PAGE]), length: PAGE });
  return g.add(m.proc, { kind: 'munmap', map: m.map, offset: 0, length: null });
}

/** A size change under a mapping: truncate, ftruncate, punch hole, or growth by write. */
export function resizeMove(g: GenContext, r: Rng): boolean {
  const p = actor(g, r);
  if (!p) return false;
  const n = openName(g, r, p);
  switch (r.weighted([[2, 'truncate'], [2, 'ftruncate'], [1, 'punch'], [1, 'grow']] as const)) {
    case 'truncate': return g.add(p, { kind: 'truncate', path: r.pick(FILES), length: r.pick([0, 100, PAGE, 2 * PAGE]) });
    case 'ftruncate': return n !== null && g.add(p, { kind: 'ftruncate', fd: { kind: 'name', name: n }, length: r.pick([0, 100, PAGE + 1, 2 * PAGE]) });
    case 'punch': return n !== null && g.add(p, { kind: 'fallocate', fd: { kind: 'name', name: n }, mode: 3, offset: 0, length: PAGE });
    case 'grow': return n !== null && g.add(p, { kind: 'pwrite', fd: { kind: 'name', name: n }, data: { kind: 'fill', byte: 0x63, count: 16 }, offset: PAGE + 100 });
  }
}

export function unlinkMove(g: GenContext, r: Rng): boolean {
  const p = actor(g, r);
  return p !== null && g.add(p, { kind: 'unlink', path: r.pick(FILES) });
}

export const MMAP_MOVES: MoveTable = [
  [6, mmapMove], [8, accessMove], [3, unmapMove], [3, resizeMove], [3, closeMove], [1, unlinkMove], [2, forkMove], [1, execMove],
  ...FD_MOVES.map(([w, m]) => [w * 0.3, m] as const),
];
