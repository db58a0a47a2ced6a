// vfslab diff's report of one scenario whose traces differ: the model's
// verdict on each side (against that kernel's own profile), then step by
// step what kernel A saw beside what kernel B saw.
import type { Scenario } from '../scenario/ast.js';
import { stepText } from '../scenario/print.js';
import type { Verdict } from '../check/verdict.js';
import type { DiffRow } from './diff-compare.js';

/** One line for a verdict: pass, or why not. */
export function verdictText(v: Verdict): string {
  switch (v.kind) {
    case 'pass':
      return 'pass (the model explains it)';
    case 'diverged': {
      const d = v.divergence;
      return `DIVERGED at ${d.step ? `line ${d.step.line}` : `observation #${d.index}`}: saw ${d.seen}; allowed ${d.allowed.join(' | ') || 'nothing'}`;
    }
    case 'not-applicable':
      return `not applicable: ${v.reason}`;
    case 'not-modelled':
      return `not modelled: line ${v.step.line}: ${v.reason}`;
    case 'infra':
      return `infra: ${v.reason}`;
  }
}

function fit(s: string, w: number): string {
  return s.length <= w ? s.padEnd(w) : `${s.slice(0, w - 1)}…`;
}

export interface SideBySide {
  scenario: Scenario;
  label: string;
  kernels: [string, string];
  verdicts: [Verdict, Verdict];
  rows: DiffRow[];
}

/** The report as lines; `width` is each side's column. */
export function formatSideBySide(d: SideBySide, width = 48): string[] {
  const [ka, kb] = d.kernels;
  const out = [`${d.scenario.name} (${d.label})`];
  out.push(`  model on ${ka}: ${verdictText(d.verdicts[0])}`);
  out.push(`  model on ${kb}: ${verdictText(d.verdicts[1])}`);
  out.push(`    ${fit(`${ka} saw`, width)} | ${kb} saw`);
  for (const r of d.rows) {
    const step = r.seq >= 0 ? d.scenario.steps[r.seq] : undefined;
    out.push(step ? `  line ${step.line}: ${stepText(step)}` : r.seq === -2 ? '  runner' : '  before the first step');
    const n = Math.max(r.a.length, r.b.length, 1);
    for (let i = 0; i < n; i++) out.push(`    ${fit(r.a[i] ?? (i === 0 ? '(nothing)' : ''), width)} | ${r.b[i] ?? (i === 0 ? '(nothing)' : '')}`.trimEnd());
  }
  return out;
}
