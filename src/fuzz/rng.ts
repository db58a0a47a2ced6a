// A tiny deterministic PRNG (mulberry32) expanding one 32-bit intent word
// into the choices of one generated step. fast-check draws the intent words,
// so its seed and shrinking act on whole steps; this only spreads one word
// over the several small choices a step needs.

export class Rng {
  private a: number;

  constructor(seed: number) {
    this.a = seed >>> 0;
  }

  /** Next 32-bit unsigned value. */
  next(): number {
    this.a = (this.a + 0x6d2b79f5) >>> 0;
    let t = this.a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** 0..n-1 (n >= 1). */
  int(n: number): number {
    return this.next() % n;
  }

  pick<T>(xs: readonly T[]): T {
    if (xs.length === 0) throw new Error('Rng.pick from an empty list');
    return xs[this.int(xs.length)]!;
  }

  chance(p: number): boolean {
    return this.next() / 0x1_0000_0000 < p;
  }

  /** One of the values, with probability proportional to its weight. */
  weighted<T>(pairs: readonly (readonly [number, T])[]): T {
    const total = pairs.reduce((a, [w]) => a + w, 0);
    let x = (this.next() / 0x1_0000_0000) * total;
    for (const [w, v] of pairs) {
      if (x < w) return v;
      x -= w;
    }
    return pairs[pairs.length - 1]![1];
  }
}

/** A 32-bit mix of two numbers (splitmix-style), for per-case seeds. */
export function mix32(a: number, b: number): number {
  let h = (Math.imul(a >>> 0, 0x9e3779b1) ^ Math.imul((b >>> 0) + 0x7f4a7c15, 0x85ebca6b)) >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d) >>> 0;
  h ^= h >>> 15;
  h = Math.imul(h, 0x846ca68b) >>> 0;
  h ^= h >>> 16;
  return h >>> 0;
}
