// JUnit XML for CI systems: one testcase per scenario, a divergence or an
// infrastructure error as <failure>/<error>, skips as <skipped>.
import { formatVerdict } from '../check/index.js';
import type { RunResults } from './types.js';

export function xmlEscape(s: string): string {
  // XML 1.0 forbids most control characters even when escaped.
  return s
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
}

export function toJUnit(r: RunResults, suiteName = 'vfslab'): string {
  const count = (k: string[]): number => r.scenarios.filter((s) => k.includes(s.verdict.kind)).length;
  const seconds = (ms: number): string => (ms / 1000).toFixed(3);
  const total = r.scenarios.reduce((a, s) => a + s.ms, 0);
  const out = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="${xmlEscape(suiteName)}" tests="${r.scenarios.length}" failures="${count(['diverged'])}" errors="${count(['infra'])}" skipped="${count(['not-applicable', 'not-modelled'])}" time="${seconds(total)}">`,
  ];
  const where = r.metadata.map((m) => `${m.profile.name} ${m.guest.pmem}/${m.guest.fs}/dax=${m.guest.dax}`).join('; ');
  out.push(`  <testsuite name="${xmlEscape(suiteName)}" tests="${r.scenarios.length}" failures="${count(['diverged'])}" errors="${count(['infra'])}" skipped="${count(['not-applicable', 'not-modelled'])}" time="${seconds(total)}" hostname="${xmlEscape(r.metadata[0]?.host.hostname ?? '')}">`);
  out.push(`    <properties><property name="guest" value="${xmlEscape(where)}"/></properties>`);
  for (const s of r.scenarios) {
    const v = s.verdict;
    const head = `    <testcase classname="${xmlEscape(s.file.replace(/\/[^/]*$/, '').replace(/\//g, '.'))}" name="${xmlEscape(s.guest ? `${s.name} [${s.guest}]` : s.name)}" file="${xmlEscape(s.file)}" time="${seconds(s.ms)}"`;
    if (v.kind === 'pass') out.push(`${head}/>`);
    else if (v.kind === 'not-applicable' || v.kind === 'not-modelled') out.push(`${head}><skipped message="${xmlEscape(`${v.kind}: ${v.reason}`)}"/></testcase>`);
    else {
      const tag = v.kind === 'diverged' ? 'failure' : 'error';
      const msg = v.kind === 'diverged' ? `diverged at ${v.divergence.step ? `line ${v.divergence.step.line}` : `observation ${v.divergence.index}`}` : `infrastructure: ${v.reason}`;
      out.push(`${head}><${tag} message="${xmlEscape(msg)}" type="${v.kind}">${xmlEscape(formatVerdict(v))}</${tag}></testcase>`);
    }
  }
  out.push('  </testsuite>', '</testsuites>', '');
  return out.join('\n');
}
