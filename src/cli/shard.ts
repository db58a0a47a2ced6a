// --shard K/N: a deterministic split of the scenario set for CI matrices. A
// file's shard depends only on its path (relative to the repository), so
// adding a scenario never moves the others between machines.
import { createHash } from 'node:crypto';
import { InputError } from '../../harness/errors.js';

export interface Shard {
  index: number; // 1-based
  count: number;
}

export function parseShard(v: string | undefined): Shard | undefined {
  if (v === undefined) return undefined;
  const m = /^(\d+)\/(\d+)$/.exec(v);
  const index = Number(m?.[1]);
  const count = Number(m?.[2]);
  if (!m || count < 1 || index < 1 || index > count) throw new InputError('--shard', `'${v}' is not K/N with 1 <= K <= N`, 'e.g. 1/4');
  return { index, count };
}

export function shardOf(relPath: string, count: number): number {
  const h = createHash('sha256').update(relPath).digest();
  return (h.readUInt32BE(0) % count) + 1;
}

export function inShard(relPath: string, shard: Shard | undefined): boolean {
  return shard === undefined || shardOf(relPath, shard.count) === shard.index;
}
