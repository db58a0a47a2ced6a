// The README and the docs a new user follows stay true: every `bin/vfslab`
// command line in them names a real command and flags its --help lists,
// every repository path they cite exists, their example scenarios parse and
// validate, and the CI example is YAML GitHub can read.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { parseScenario } from '../../src/scenario/parse.js';
import { validateScenario } from '../../src/scenario/validate.js';
import { bootUsage } from '../../src/cli/boot.js';
import { runUsage } from '../../src/cli/run.js';
import { modelUsage } from '../../src/cli/model.js';
import { reproUsage } from '../../src/cli/repro.js';
import { mergeUsage } from '../../src/cli/merge.js';
import { kernelUsage } from '../../src/cli/kernel.js';
import { bisectUsage } from '../../src/cli/bisect.js';
import { bisectStepUsage } from '../../src/cli/bisect-step.js';
import { bisectSeriesUsage } from '../../src/cli/bisect-series.js';
import { diffUsage } from '../../src/cli/diff.js';
import { fuzzUsage } from '../../src/cli/fuzz.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const read = (f: string): string => readFileSync(path.join(root, f), 'utf8');
const usages: Record<string, string> = {
  boot: bootUsage, run: runUsage, model: modelUsage, repro: reproUsage, merge: mergeUsage, kernel: kernelUsage,
  bisect: bisectUsage, 'bisect-step': bisectStepUsage, 'bisect-series': bisectSeriesUsage, diff: diffUsage, fuzz: fuzzUsage,
};
const docs = ['README.md', 'docs/scenario-format.md', 'docs/bisect.md', 'docs/kernel-builds.md', 'docs/patches.md'];

/** Fenced blocks of a markdown file, with their info string. */
function blocks(md: string): { lang: string; text: string }[] {
  return [...md.matchAll(/^```(\w*)\n([\s\S]*?)^```$/gm)].map((m) => ({ lang: m[1] ?? '', text: m[2] ?? '' }));
}

/** `vfslab CMD --flag ...` invocations in shell blocks and inline code, comments cut. */
function invocations(md: string): string[] {
  const shell = blocks(md).filter((b) => b.lang === 'sh' || b.lang === '').flatMap((b) => b.text.split('\n'));
  const inline = [...md.matchAll(/`([^`\n]*vfslab [^`\n]*)`/g)].map((m) => m[1] ?? '');
  return [...shell, ...inline]
    .map((l) => l.replace(/\s#\s.*$/, ''))
    .flatMap((l) => [...l.matchAll(/(?:^|[\s/])vfslab ([a-z-]+)((?: +[^|&;>]*)?)/g)].map((m) => `${m[1]}${m[2] ?? ''}`.trim()));
}

t.test('every vfslab command line in the docs names a command and flags it has', async (t) => {
  let n = 0;
  for (const f of docs) {
    for (const inv of invocations(read(f))) {
      const [cmd, ...words] = inv.split(/\s+/);
      if (cmd === 'help' || cmd === 'COMMAND') continue;
      const usage = usages[cmd!];
      t.ok(usage, `${f}: 'vfslab ${inv}' names a command`);
      if (!usage) continue;
      for (const w of words) {
        const flag = /^(--[a-z][a-z-]*)/.exec(w)?.[1];
        if (flag && flag !== '--help') t.ok(usage.includes(flag), `${f}: vfslab ${cmd} ${flag} is in its --help`);
      }
      n++;
    }
  }
  t.ok(n >= 20, `${n} command lines checked`);
});

t.test('every repository path the docs cite exists', async (t) => {
  const prefixes = /^(?:docs|tests|guest|harness|src|images\/(?:pin|manifest)\.json|bin)\b/;
  for (const f of docs) {
    const cited = new Set([...read(f).matchAll(/`([A-Za-z0-9_./-]+)`|\]\(([A-Za-z0-9_./-]+)\)/g)].map((m) => m[1] ?? m[2] ?? ''));
    for (const p of cited) {
      if (!prefixes.test(p) || /[A-Z]{3,}|\*|NAME|KEY|VERSION|FLAVOUR/.test(p) || p === 'images/manifest.json') continue;
      t.ok(existsSync(path.join(root, p.replace(/\/$/, ''))), `${f}: ${p} exists`);
    }
  }
});

t.test('the example scenarios of the README and the format doc parse and validate', async (t) => {
  for (const f of ['README.md', 'docs/scenario-format.md']) {
    const examples = blocks(read(f)).filter((b) => b.lang === '' && /^scenario /m.test(b.text));
    t.ok(examples.length >= 1, `${f} has an example scenario`);
    for (const b of examples) {
      const r = parseScenario(b.text, f);
      t.ok(r.ok, `${f}: the example parses${r.ok ? '' : `: ${JSON.stringify(r.errors)}`}`);
      if (r.ok) t.same(validateScenario(r.scenario), [], `${f}: the example validates`);
    }
  }
});

t.test('the CI example has no ${{ }} inside a YAML flow mapping (GitHub would reject the file)', async (t) => {
  const yml = read('docs/ci/github-actions.yml');
  for (const [i, l] of yml.split('\n').entries()) t.notMatch(l, /\{[^}]*\$\{\{/, `line ${i + 1}`);
  t.match(yml, /node-version: 20/, 'Node 20: Debian 12 ships 18');
});
