// Whether a guest matches a scenario's setup (each field may be "any").

import type { GuestSetup } from '../scenario/ast.js';

export interface GuestFacts {
  pmem: string;
  fs: string;
  dax: string;
}

export function setupMismatch(want: GuestSetup, guest: GuestFacts): string | null {
  for (const k of ['pmem', 'fs', 'dax'] as const) {
    if (want[k] !== 'any' && want[k] !== guest[k]) return `scenario needs ${k}=${want[k]}, guest has ${k}=${guest[k]}`;
  }
  return null;
}
