// A move adds one or a few steps to a scenario being generated, or returns
// false when it does not apply (no process can run it, no name fits, or the
// model does not cover the step). Each area is a weighted table of moves.

import type { GenContext } from './gen-context.js';
import type { Rng } from './rng.js';

export type Move = (g: GenContext, r: Rng) => boolean;

export type MoveTable = readonly (readonly [number, Move])[];

/** Files every generated scenario creates in its prelude (see generate.ts). */
export const FILES = ['a', 'b'] as const;
/** A directory with one file, for directory marks and openat. */
export const DIR = 'd';
export const DIR_FILE = 'd/c';

export const O_RDONLY = 0, O_WRONLY = 1, O_RDWR = 2, O_CREAT = 0o100, O_TRUNC = 0o1000, O_APPEND = 0o2000;
export const O_NONBLOCK = 0o4000, O_DIRECTORY = 0o200000, O_CLOEXEC = 0o2000000;

/** A random process that may act now, or null. */
export function actor(g: GenContext, r: Rng, not?: string): string | null {
  const xs = g.actors().filter((p) => p !== not);
  return xs.length ? r.pick(xs) : null;
}

/** An open (validator-wise) name of `proc` of one of the kinds. */
export function openName(g: GenContext, r: Rng, proc: string, kinds: readonly string[] = ['file']): string | null {
  const xs = g.names(proc, (i) => i.open && kinds.includes(i.kind));
  return xs.length ? r.pick(xs) : null;
}

/** A name of `proc` closed by an explicit close (usable only as stale:NAME). */
export function closedName(g: GenContext, r: Rng, proc: string): string | null {
  const xs = g.names(proc, (i) => !i.open && !i.failed);
  return xs.length ? r.pick(xs) : null;
}

/** An open-file flag word: access mode plus a few of the flags the curated suite exercises. */
export function openFlags(r: Rng, opts: { create?: boolean; nonblock?: number } = {}): number {
  const acc = r.weighted([[4, O_RDONLY], [3, O_WRONLY], [3, O_RDWR]] as const);
  let f = acc;
  if (opts.create ?? r.chance(0.3)) f |= O_CREAT;
  if (r.chance(0.35)) f |= O_CLOEXEC;
  if (r.chance(opts.nonblock ?? 0.15)) f |= O_NONBLOCK;
  if (acc !== O_RDONLY && r.chance(0.1)) f |= O_APPEND;
  if (acc !== O_RDONLY && r.chance(0.05)) f |= O_TRUNC;
  return f;
}

/** Tries `move` for each of a few random draws; true once one applies. */
export function attempt(g: GenContext, r: Rng, table: MoveTable, tries = 4): boolean {
  for (let i = 0; i < tries; i++) {
    const move = r.weighted(table);
    if (move(g, r)) return true;
  }
  return false;
}
