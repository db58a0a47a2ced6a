// The first divergence in words, for a reader who has not read the checker:
// who disagreed with the kernel, and what the usual causes are. The model
// checks a pinned `expect` only after it has matched the step itself, so a
// pin divergence means the model agreed with the kernel.
import type { Divergence } from '../check/verdict.js';

export function explainDivergence(d: Divergence, profile?: string): string {
  const where = d.step ? `line ${d.step.line} (${d.step.text})` : `observation ${d.index}`;
  if (d.by === 'expectation') {
    return (
      `At ${where} the kernel gave "${d.seen}". The reference model allows that too; only the scenario's ` +
      `hand-pinned expectation (${d.allowed.join('; ')}) disagrees. Fix the pin if the kernel is right; if the ` +
      `kernel is wrong, the model is wrong with it: look at the rules below.`
    );
  }
  return (
    `At ${where} the kernel gave "${d.seen}", which the reference model${profile ? ` for profile ${profile}` : ''} does not allow ` +
    `(it allows: ${d.allowed.length ? d.allowed.join('; ') : 'nothing at this point'}). Either the kernel behaves differently ` +
    `(a regression, or a patch whose Vfslab-Feature the profile lacks) or a model rule below misses a case: compare them ` +
    `with the kernel functions the scenario's comment names.`
  );
}

/** The model state the divergence carries: before the step for the model, after it for a pin. */
export function stateLabel(d: Divergence): string {
  return d.by === 'expectation' ? 'model state after the step' : 'model state before it';
}
