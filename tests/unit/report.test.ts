// Results formats without a VM: JUnit, markdown, HTML pages, reproducer.sh,
// shards and merging, and that results never overwrite a user's files.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import t from 'tap';
import { loadScenarios } from '../../src/cli/scenario-files.js';
import { batchVerdicts } from '../../src/cli/run-scenarios.js';
import { inShard, parseShard, shardOf } from '../../src/cli/shard.js';
import { checkOutputPaths, writeResults } from '../../src/cli/results-files.js';
import { mergeResults, readResults } from '../../src/cli/merge.js';
import { toJUnit } from '../../src/report/junit.js';
import { toMarkdown } from '../../src/report/markdown.js';
import { indexPage, scenarioPage, htmlEscape } from '../../src/report/html.js';
import { reproducerScript } from '../../src/report/reproducer-script.js';
import { predict } from '../../src/check/index.js';
import { RESULTS_VERSION, type RunResults } from '../../src/report/types.js';
import { ownTmpdir } from '../fixtures/tmpdir.js';

// What this file and its children make under os.tmpdir() goes when it ends.
ownTmpdir(t);

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const profile = { name: 'stock', version: '6.1.192', features: {} };
const facts = { pmem: 'nvdimm', fs: 'ext4', dax: 'always' };
const files = ['fd/close-reuse', 'fd/dup2-over-open-fd'].map((n) => path.join(root, 'tests/scenarios', `${n}.scenario`));
const scenarios = loadScenarios(files);
const mutate_done = new Set<number>();
const traceOf = (i: number, mutate = false): string =>
  readFileSync(path.join(root, 'tests/golden/traces', `${scenarios[i]!.name}.jsonl`), 'utf8')
    .trim()
    .split('\n')
    .map((l) => {
      const o = JSON.parse(l) as Record<string, unknown>;
      // A planted divergence: the first successful open returns another number.
      if (mutate && o['kind'] === 'done' && o['op'] === 'open' && (o['ret'] as number) >= 0 && !mutate_done.has(i)) {
        mutate_done.add(i);
        o['ret'] = (o['ret'] as number) + 1;
      }
      return JSON.stringify({ ...o, scenario: i });
    })
    .join('\n');
const verdicts = batchVerdicts(scenarios, [traceOf(0), traceOf(1, true)].join('\n'), '', profile, facts);
const argv = ['qemu-system-x86_64', '-M', 'q35,nvdimm=on', '-serial', 'file:/tmp/x/console.log', '-object', 'memory-backend-file,id=mem1,share=on,mem-path=/tmp/x/pmem.img,size=512M', '-append', 'console=ttyS0 vfslab.key=AAAA vfslab.prepared=1'];
const results: RunResults = {
  version: RESULTS_VERSION,
  metadata: [
    {
      startedAt: '2026-01-01T00:00:00Z',
      durationMs: 1,
      kernel: { name: 'stock', path: 'k' },
      profile,
      guest: { ...facts, bootMs: 3000, qemuArgv: argv },
      qemu: { version: 'QEMU 7.2', accel: 'tcg', accelSource: 'cache', machine: 'q35' },
      host: { hostname: 'h', release: 'r', cpus: 2 },
    },
  ],
  scenarios: verdicts.map((v, i) => ({ file: path.relative(root, files[i]!), name: scenarios[i]!.name, verdict: v.verdict, ms: 5, observations: v.observations })),
};

t.test('the planted divergence is a divergence', async (t) => {
  t.same(
    verdicts.map((v) => v.verdict.kind),
    ['pass', 'diverged'],
  );
});

t.test('JUnit: counts, one testcase each, failure with the report, escaped', async (t) => {
  const x = toJUnit(results);
  t.match(x, /<testsuites name="vfslab" tests="2" failures="1" errors="0" skipped="0"/);
  t.equal((x.match(/<testcase /g) ?? []).length, 2);
  t.match(x, /<failure message="diverged at line \d+" type="diverged">diverged dup2-over-open-fd/);
  t.notMatch(x.replace(/<[^>]*>/g, ''), /[<>]/, 'no raw angle brackets in text');
});

t.test('markdown names the failing scenario and its first divergence', async (t) => {
  const md = toMarkdown(results);
  t.match(md, /\| 1 \| 1 \| 0 \| 0 \| 0 \|/);
  t.match(md, /## tests\/scenarios\/fd\/dup2-over-open-fd.scenario/);
  t.match(md, /first divergence at observation/);
});

t.test('HTML: index links the failing page; the page highlights the divergence', async (t) => {
  const idx = indexPage(results);
  t.match(idx, /<a href="dup2-over-open-fd.html">dup2-over-open-fd<\/a>/);
  t.notMatch(idx, /<a href="close-reuse.html">/, 'passing scenarios get no page');
  const s = results.scenarios[1]!;
  const page = scenarioPage(s, { text: readFileSync(files[1]!, 'utf8'), prediction: predict(scenarios[1]!, profile), consoleExcerpt: '<b>', reproFile: 'x.repro.c', scriptFile: 'x.reproducer.sh' });
  t.match(page, /<tr class="div">/, 'a highlighted row');
  t.match(page, /&lt;b&gt;/, 'console text is escaped');
  t.match(page, /the reference model|a hand-pinned expectation/);
  t.equal(htmlEscape('<a href="x">&'), '&lt;a href=&quot;x&quot;&gt;&amp;');
});

t.test('reproducer.sh: valid sh, fresh key and pmem file, console on stdio', async (t) => {
  const sh = reproducerScript(argv, 'x.repro.c');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'vfslab-report-'));
  writeFileSync(path.join(dir, 'r.sh'), sh);
  t.equal(spawnSync('sh', ['-n', path.join(dir, 'r.sh')]).status, 0, 'sh -n accepts it');
  t.match(sh, /mon:stdio/);
  t.match(sh, /mem-path=\$WORK\/pmem\.img/);
  t.match(sh, /vfslab\.key=\$KEY/);
  t.notMatch(sh, /vfslab\.prepared=1/, 'the guest prepares pmem itself');
  t.notMatch(sh, /\/tmp\/x\//, 'no path of the finished run');
});

t.test('shards: deterministic, and every file in exactly one', async (t) => {
  t.same(parseShard('2/4'), { index: 2, count: 4 });
  for (const bad of ['0/4', '5/4', '1/0', 'a/b', '1']) t.throws(() => parseShard(bad), /--shard/);
  fc.assert(
    fc.property(fc.array(fc.string({ minLength: 1 }), { maxLength: 30 }), fc.integer({ min: 1, max: 8 }), (paths, n) => {
      for (const p of paths) {
        const owners = Array.from({ length: n }, (_, k) => inShard(p, { index: k + 1, count: n })).filter(Boolean).length;
        if (owners !== 1 || shardOf(p, n) !== shardOf(p, n)) return false;
      }
      return true;
    }),
  );
});

t.test('results files: written whole, never over a user file, merged back', async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'vfslab-results-'));
  const json = path.join(dir, 'a.json');
  writeResults({ json }, results, { scenarios, profile, consoles: {} });
  t.throws(() => checkOutputPaths({ json }), /exists; vfslab does not overwrite results/);
  mkdirSync(path.join(dir, 'rep'));
  writeFileSync(path.join(dir, 'rep', 'mine.txt'), 'x');
  t.throws(() => checkOutputPaths({ report: path.join(dir, 'rep') }), /not empty/);
  t.throws(() => checkOutputPaths({ junit: path.join(dir, 'no/such/dir/x.xml') }), /does not exist/);
  const back = readResults(json);
  t.same(back.scenarios.map((s) => s.verdict.kind), ['pass', 'diverged']);
  const merged = mergeResults([back, back]);
  t.equal(merged.scenarios.length, 4);
  t.equal(merged.metadata.length, 2);
  writeFileSync(path.join(dir, 'bad.json'), '{"version":99}');
  t.throws(() => readResults(path.join(dir, 'bad.json')), /not a vfslab results file/);
});
