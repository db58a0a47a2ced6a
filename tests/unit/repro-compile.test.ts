// The reproducer: one C file that builds with `gcc -static -Wall` alone and,
// run in an empty directory, prints the scenario's trace.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { generateRepro, cString } from '../../src/repro/generate.js';
import { parseTraceStrict } from '../../src/trace/parse.js';
import { F, O, done, name, open, scen } from './fixtures/runner.js';
import { ownTmpdir } from '../fixtures/tmpdir.js';

// What this file and its children make under os.tmpdir() goes when it ends.
ownTmpdir(t);

t.test('C string literal', async (t) => {
  t.equal(cString('a"b\\c\nd??=\n'), '\t"a\\"b\\\\c\\n"\n\t"d\\?\\?=\\n"');
});

t.test('builds and reproduces', async (t) => {
  const s = scen('repro */ check', [
    ['a', open('f', 'file', O.RDWR | O.CREAT)],
    ['a', { kind: 'write', fd: name('f'), data: { kind: 'text', text: 'abc' } }],
    ['a', { kind: 'fcntl', fd: name('f'), cmd: F.GETFL, arg: { kind: 'none' } }],
    ['a', { kind: 'fork', child: 'b' }],
    ['b', { kind: 'pread', fd: name('f'), count: 3, offset: 0 }],
  ]);
  const src = generateRepro(s);
  t.match(src, /^\/\*\n \* vfslab reproducer for scenario "repro \* \/ check"/);
  t.match(src, /a: f = open "file"/, 'readable scenario in the header');
  const dir = mkdtempSync(join(tmpdir(), 'vfslab-repro-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'repro.c'), src);
  const cc = spawnSync('gcc', ['-static', '-Wall', '-o', join(dir, 'repro'), join(dir, 'repro.c')], { encoding: 'utf8' });
  t.equal(cc.status, 0, 'gcc -static -Wall');
  t.equal(cc.stderr, '', 'no warnings');
  const out = execFileSync(join(dir, 'repro'), [], { cwd: dir, encoding: 'utf8' });
  const tr = parseTraceStrict(out, 'repro');
  const obs = tr.observations;
  t.equal(done(obs, 0)?.ret, 3);
  t.equal(done(obs, 1)?.ret, 3);
  t.equal(done(obs, 2)?.ret, O.RDWR | 0o100000);
  t.equal(done(obs, 4)?.text, 'abc');
  t.match(obs[0], { kind: 'scenario-start', name: 'repro */ check', dir: join(dir, 's-0') });
  t.match(tr.summary, { scenarios: 1, ok: 1 });
});
