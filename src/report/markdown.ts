// A markdown summary for CI logs and job summaries: the tally, then each
// failing scenario with its first divergence.
import { formatVerdict } from '../check/index.js';
import type { RunResults } from './types.js';
import { explainDivergence } from './explain.js';

export function toMarkdown(r: RunResults): string {
  const kinds = ['pass', 'diverged', 'infra', 'not-applicable', 'not-modelled'] as const;
  const n = (k: string): number => r.scenarios.filter((s) => s.verdict.kind === k).length;
  const out = ['# vfslab run', ''];
  for (const m of r.metadata) {
    out.push(`- kernel ${m.kernel.name} (${m.kernel.release ?? m.kernel.path}), profile ${m.profile.name} ${m.profile.version}, guest ${m.guest.pmem}/${m.guest.fs}/dax=${m.guest.dax}, ${m.qemu.accel}, boot ${(m.guest.bootMs / 1000).toFixed(2)} s${m.shard ? `, shard ${m.shard.index}/${m.shard.count}` : ''}`);
  }
  out.push('', `| ${kinds.join(' | ')} |`, `|${kinds.map(() => '---').join('|')}|`, `| ${kinds.map(n).join(' | ')} |`, '');
  const failing = r.scenarios.filter((s) => s.verdict.kind === 'diverged' || s.verdict.kind === 'infra');
  for (const s of failing) {
    out.push(`## ${s.file}`, '');
    if (s.verdict.kind === 'diverged') out.push(explainDivergence(s.verdict.divergence), '');
    out.push('```', formatVerdict(s.verdict), '```', '');
  }
  if (failing.length === 0) out.push('No divergence.', '');
  return out.join('\n');
}
