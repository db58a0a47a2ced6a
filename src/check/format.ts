// Terminal text for verdicts and predictions.

import type { Verdict } from './verdict.js';
import type { Prediction } from './predict.js';

export function formatVerdict(v: Verdict): string {
  switch (v.kind) {
    case 'pass':
      return `pass ${v.scenario} (${v.observations} observations)`;
    case 'not-applicable':
      return `not-applicable ${v.scenario}: ${v.reason}`;
    case 'infra':
      return `infra ${v.scenario}: ${v.reason}`;
    case 'not-modelled':
      return `not-modelled ${v.scenario}: line ${v.step.line} "${v.step.text}": ${v.reason}`;
    case 'diverged': {
      const d = v.divergence;
      const out = [`diverged ${v.scenario}: first divergence at observation #${d.index}${d.step ? `, step ${d.step.id} (line ${d.step.line}: ${d.step.text})` : ''}`];
      out.push(`  seen:    ${d.seen}`);
      out.push(`  allowed: ${d.allowed.length ? d.allowed.join('\n           ') : '(nothing)'}`);
      out.push(`  by:      ${d.by === 'model' ? 'the reference model' : "the scenario's pinned expectation"}`);
      if (d.rules.length) out.push('  rules:', ...d.rules.map((r) => `    - ${r}`));
      // A pin is checked after the model took the step, so its state is the one after it.
      if (d.state.length) out.push(`  model state ${d.by === 'expectation' ? 'after the step' : 'before it'}:`, ...d.state.map((l) => `    ${l}`));
      return out.join('\n');
    }
  }
}

export function formatPrediction(p: Prediction): string {
  const out = [`scenario ${p.scenario} on profile ${p.profile}`];
  if (p.notApplicable) return out.concat(`not applicable: ${p.notApplicable}`).join('\n');
  for (const s of p.steps) {
    out.push(`${String(s.line).padStart(4)}  ${s.text}`);
    for (const o of s.outcomes) out.push(`        -> ${o}`);
    for (const t of s.then) out.push(`        then: ${t}`);
  }
  if (p.unmodelled) out.push(`not modelled from line ${p.unmodelled.line} ("${p.unmodelled.text}"): ${p.unmodelled.reason}`);
  return out.join('\n');
}
