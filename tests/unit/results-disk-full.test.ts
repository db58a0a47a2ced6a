// A full disk while writing results: a clear error naming the file, no
// half-written file under the real name, earlier results intact.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import { writeResults, ResultsWriteError } from '../../src/cli/results-files.js';
import { RESULTS_VERSION, type RunResults } from '../../src/report/types.js';
import { ownTmpdir } from '../fixtures/tmpdir.js';

// What this file and its children make under os.tmpdir() goes when it ends.
ownTmpdir(t);

const isRoot = process.getuid?.() === 0;

t.test('ENOSPC on a 64 KiB tmpfs', { skip: isRoot ? false : 'needs root to mount a small tmpfs' }, async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'vfslab-full-'));
  t.equal(spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', dir]).status, 0, 'tmpfs mounted');
  t.teardown(() => void spawnSync('umount', [dir]));
  const earlier = path.join(dir, 'earlier.json');
  writeFileSync(earlier, '{"kept":true}\n');
  const big: RunResults = {
    version: RESULTS_VERSION,
    metadata: [],
    scenarios: Array.from({ length: 400 }, (_, i) => ({
      file: `tests/scenarios/x/${i}.scenario`,
      name: `s${i}`,
      verdict: { kind: 'pass', scenario: `s${i}`, observations: 10, states: 1 },
      ms: 1,
      observations: [],
    })),
  };
  const json = path.join(dir, 'results.json');
  let err: unknown;
  try {
    writeResults({ json }, big, { scenarios: [], profile: { name: 'stock', version: '6.1', features: {} }, consoles: {} });
  } catch (e) {
    err = e;
  }
  t.ok(err instanceof ResultsWriteError, 'a typed error');
  t.match(String((err as Error).message), new RegExp(`writing ${json} failed: .*(ENOSPC|no space left)`, 'i'));
  t.notOk(existsSync(json), 'no truncated results.json');
  t.same(readdirSync(dir).sort(), ['earlier.json'], 'no .part file left');
  t.equal(readFileSync(earlier, 'utf8'), '{"kept":true}\n', 'earlier results intact');
});
