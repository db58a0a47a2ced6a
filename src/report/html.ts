// The divergence report as HTML that opens in any browser, no scripts, no
// external assets: an index of every scenario, and one page per failing
// scenario with the scenario text, the model's prediction beside what the
// kernel did, the first divergence highlighted, and the model's reasoning.
import type { Prediction } from '../check/index.js';
import { formatVerdict } from '../check/index.js';
import type { Observation } from '../trace/types.js';
import type { RunResults, ScenarioRecord } from './types.js';
import { explainDivergence, stateLabel } from './explain.js';

export function htmlEscape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

const style = `
body{font:14px/1.45 system-ui,sans-serif;margin:2em;color:#1a1a1a;max-width:110em}
h1{font-size:1.5em}h2{font-size:1.15em;margin-top:1.6em}
table{border-collapse:collapse;width:100%}td,th{border:1px solid #ccc;padding:.25em .5em;vertical-align:top;text-align:left}
th{background:#f2f2f2}pre,code{font:12.5px/1.4 ui-monospace,monospace}pre{background:#f7f7f7;padding:.7em;overflow-x:auto;border:1px solid #e3e3e3}
.pass{color:#116b2b}.diverged,.infra{color:#b00020;font-weight:600}.skip{color:#777}
tr.div td{background:#ffe3e6}.line{display:block}.line.div{background:#ffe3e6}.muted{color:#777}
.kv td:first-child{white-space:nowrap;font-weight:600;width:12em}
.explain{background:#fff6e0;border-left:4px solid #e0a000;padding:.6em .9em;max-width:60em}`;

function page(title: string, body: string): string {
  return `<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>${htmlEscape(title)}</title><style>${style}</style></head>\n<body>\n${body}\n</body></html>\n`;
}

const cls = (k: string): string => (k === 'pass' ? 'pass' : k === 'diverged' || k === 'infra' ? k : 'skip');
export const pageName = (s: ScenarioRecord): string => `${`${s.name}${s.guest ? `@${s.guest}` : ''}`.replace(/[^A-Za-z0-9._@-]/g, '_')}.html`;

export function indexPage(r: RunResults): string {
  const meta = r.metadata
    .map(
      (m) =>
        `<tr><td>${htmlEscape(m.kernel.name)}</td><td>${htmlEscape(m.kernel.release ?? m.kernel.path)}</td><td>${htmlEscape(`${m.profile.name} ${m.profile.version}`)} ${htmlEscape(Object.keys(m.profile.features).filter((f) => m.profile.features[f]).join(' '))}</td><td>${htmlEscape(`${m.guest.pmem}/${m.guest.fs}/dax=${m.guest.dax}`)}</td><td>${htmlEscape(`${m.qemu.accel} (${m.qemu.version})`)}</td><td>${(m.guest.bootMs / 1000).toFixed(2)} s</td></tr>`,
    )
    .join('');
  const rows = r.scenarios
    .map((s) => {
      const failing = s.verdict.kind === 'diverged' || s.verdict.kind === 'infra';
      const label = s.guest ? `${s.name} [${s.guest}]` : s.name;
      const name = failing ? `<a href="${pageName(s)}">${htmlEscape(label)}</a>` : htmlEscape(label);
      const why = 'reason' in s.verdict ? htmlEscape(s.verdict.reason) : s.verdict.kind === 'diverged' ? htmlEscape(`line ${s.verdict.divergence.step?.line ?? '?'}: saw ${s.verdict.divergence.seen}; ${s.verdict.divergence.by === 'model' ? 'the model allows' : 'the pin says'} ${s.verdict.divergence.allowed.join(' | ') || 'nothing'}`) : '';
      return `<tr><td>${name}</td><td class="muted">${htmlEscape(s.file)}</td><td class="${cls(s.verdict.kind)}">${s.verdict.kind}</td><td>${s.ms.toFixed(0)} ms</td><td>${why}</td></tr>`;
    })
    .join('\n');
  const n = (k: string): number => r.scenarios.filter((s) => s.verdict.kind === k).length;
  return page(
    'vfslab run',
    `<h1>vfslab run</h1>
<p>${r.scenarios.length} scenarios: <span class="pass">${n('pass')} pass</span>, <span class="${n('diverged') ? 'diverged' : 'skip'}">${n('diverged')} diverged</span>, <span class="${n('infra') ? 'infra' : 'skip'}">${n('infra')} infrastructure</span>, <span class="skip">${n('not-applicable')} not applicable, ${n('not-modelled')} not modelled</span>.</p>
<table><tr><th>kernel</th><th>release</th><th>profile</th><th>guest</th><th>QEMU</th><th>boot</th></tr>${meta}</table>
<h2>Scenarios</h2>
<table><tr><th>scenario</th><th>file</th><th>verdict</th><th>time</th><th>detail</th></tr>
${rows}
</table>`,
  );
}

/** One line per observation, in the order the runner saw them. */
export function observationText(o: Observation): string {
  switch (o.kind) {
    case 'done':
      return `step ${o.seq} ${o.proc}: ${o.op} ${o.late ? 'completed (late)' : 'done'} ret=${o.ret}${o.errname ? ` ${o.errname}` : ''}${o.name ? ` ${o.name}` : ''}`;
    case 'blocked':
      return `step ${o.seq} ${o.proc}: blocked`;
    case 'signal':
      return `${o.proc} caught ${o.signame} si_code=${o.code} si_fd=${o.fd} si_band=0x${o.band.toString(16)}`;
    case 'exit':
      return `${o.proc} ${o.signo ? `killed by signal ${o.signo}` : `exited ${o.status}`}`;
    case 'process':
      return `${o.proc} is pid ${o.pid}${o.parent ? ` (forked by ${o.parent})` : ''}`;
    case 'infra':
      return `infrastructure ${o.error}: ${o.message}`;
    default:
      return o.kind;
  }
}

export function scenarioPage(s: ScenarioRecord, extra: { text: string; prediction: Prediction; consoleExcerpt: string; reproFile: string; scriptFile: string; profile?: string }): string {
  const v = s.verdict;
  const divLine = v.kind === 'diverged' ? v.divergence.step?.line : undefined;
  const divIndex = v.kind === 'diverged' ? v.divergence.index : -1;
  const src = extra.text
    .split('\n')
    .map((l, i) => `<span class="line${i + 1 === divLine ? ' div' : ''}">${String(i + 1).padStart(3)}  ${htmlEscape(l)}</span>`)
    .join('');
  const seenBySeq = new Map<number, string[]>();
  for (const o of s.observations) if ('seq' in o && typeof o.seq === 'number' && o.kind !== 'process') (seenBySeq.get(o.seq) ?? seenBySeq.set(o.seq, []).get(o.seq)!).push(observationText(o));
  const steps = extra.prediction.steps
    .map(
      (p) =>
        `<tr${p.line === divLine ? ' class="div"' : ''}><td>${p.line}</td><td><code>${htmlEscape(p.text)}</code></td><td>${p.outcomes.map(htmlEscape).join('<br>')}${p.then.length ? `<br><span class="muted">then: ${p.then.map(htmlEscape).join('; ')}</span>` : ''}</td><td>${(seenBySeq.get(p.id) ?? []).map(htmlEscape).join('<br>')}</td></tr>`,
    )
    .join('\n');
  const trace = s.observations
    .map((o, i) => `<tr${i === divIndex ? ' class="div"' : ''}><td>${i}</td><td>${htmlEscape(observationText(o))}</td></tr>`)
    .join('\n');
  const d = v.kind === 'diverged' ? v.divergence : undefined;
  const summary = d
    ? `<p class="explain">${htmlEscape(explainDivergence(d, extra.profile))}</p>
<table class="kv"><tr><td>first divergence</td><td>observation ${d.index}${d.step ? `, line ${d.step.line}: <code>${htmlEscape(d.step.text)}</code>` : ''}</td></tr>
<tr><td>seen</td><td>${htmlEscape(d.seen)}</td></tr><tr><td>allowed</td><td>${d.allowed.map(htmlEscape).join('<br>')}</td></tr>
<tr><td>decided by</td><td>${d.by === 'model' ? 'the reference model' : 'a hand-pinned expectation'}</td></tr>
<tr><td>kernel rules</td><td>${d.rules.map(htmlEscape).join('<br>')}</td></tr><tr><td>${htmlEscape(stateLabel(d))}</td><td><pre>${htmlEscape(d.state.join('\n'))}</pre></td></tr></table>`
    : `<pre>${htmlEscape(formatVerdict(v))}</pre>`;
  return page(
    `${s.name}: ${v.kind}`,
    `<p><a href="index.html">&larr; all scenarios</a></p>
<h1>${htmlEscape(s.name)} <span class="${cls(v.kind)}">${v.kind}</span></h1>
<p class="muted">${htmlEscape(s.file)}</p>
${summary}
<h2>Model prediction beside the kernel</h2>
<table><tr><th>line</th><th>step</th><th>model allows</th><th>kernel did</th></tr>
${steps}
</table>
<h2>Observed trace</h2>
<table><tr><th>#</th><th>observation</th></tr>
${trace}
</table>
<h2>Scenario</h2>
<pre>${src}</pre>
<h2>Console</h2>
<pre>${htmlEscape(extra.consoleExcerpt || '(nothing notable on the console)')}</pre>
<h2>Reproduce</h2>
<p><a href="${htmlEscape(extra.reproFile)}">${htmlEscape(extra.reproFile)}</a> replays the scenario without vfslab (<code>gcc -static -O2 -o repro ${htmlEscape(extra.reproFile)} &amp;&amp; ./repro</code>, as root, on the kernel under test);
<a href="${htmlEscape(extra.scriptFile)}">${htmlEscape(extra.scriptFile)}</a> boots the same guest with the exact QEMU command line of this run.</p>`,
  );
}
