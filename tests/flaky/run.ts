// npm run flaky -- N [--out DIR [--continue]] [--max-minutes M] [TEST_FILE...]:
// runs the VM suite (default tests/vm, all of it) N times (no new run is
// started after M minutes: the table then covers the runs done); --continue
// adds N runs to the campaign already in DIR and compares all of them. Each
// run records the commit it ran (run.json): a campaign that spans commits says so and reports every test point and scenario
// verdict whose outcome changed between runs, as a table. Scenario verdicts
// come from tests/vm/scenarios.test.ts, which writes them as JSON into
// $VFSLAB_VERDICTS_DIR. Exit 0 when nothing changed, 1 otherwise, 2 bad usage.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { campaignCommits, changeTable, changes, tapOutcomes, type RunOutcomes, type RunRecord } from './compare.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

function usage(problem: string): never {
  console.error(`flaky: ${problem} (valid: npm run flaky -- N [--out DIR [--continue]] [--max-minutes M] [TEST_FILE...], N and M positive integers)`);
  process.exit(2);
}

const args = process.argv.slice(2);
const runsArg = args.shift();
if (!runsArg || !/^[1-9]\d*$/.test(runsArg)) usage(`'${runsArg ?? ''}' is not a number of runs`);
const runs = Number(runsArg);
let out = '';
let maxMinutes = Infinity;
let resume = false;
const tests: string[] = [];
while (args.length) {
  const a = args.shift()!;
  if (a === '--out') out = args.shift() ?? usage('--out needs a directory');
  else if (a === '--continue') resume = true;
  else if (a === '--max-minutes') {
    const m = args.shift() ?? '';
    if (!/^[1-9]\d*$/.test(m)) usage(`--max-minutes '${m}' is not a positive integer`);
    maxMinutes = Number(m);
  }
  else if (a.startsWith('-')) usage(`unknown option '${a}'`);
  else tests.push(a);
}
if (resume && !out) usage('--continue needs --out DIR, the campaign to continue');
out ||= mkdtempSync(path.join(os.tmpdir(), 'vfslab-flaky-'));
const earlier = existsSync(out) ? readdirSync(out).filter((f) => /^run-\d+$/.test(f)).sort((a, b) => Number(a.slice(4)) - Number(b.slice(4))) : [];
if (!resume && existsSync(out) && readdirSync(out).length > 0) usage(`--out ${out} exists and is not empty (add --continue to add runs to its campaign)`);
if (resume && earlier.length === 0) usage(`--continue: ${out} holds no run-N directories`);
mkdirSync(out, { recursive: true });


function git(...a: string[]): string {
  const r = spawnSync('git', a, { cwd: root, encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : '';
}

function runSuite(dir: string): Promise<{ code: number | null; tap: string }> {
  return new Promise((resolve) => {
    // Two files at a time, as `npm run vm-test` and `make test` run them.
    const c = spawn('npx', ['tap', '--disable-coverage', '--reporter=tap', '--jobs=2', ...(tests.length ? tests : ['tests/vm'])], {
      cwd: root,
      env: { ...process.env, VFSLAB_VERDICTS_DIR: dir },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let tap = '';
    c.stdout.on('data', (d: Buffer) => (tap += d.toString()));
    c.on('close', (code) => resolve({ code, tap }));
  });
}

/** Scenario verdicts written by tests/vm/scenarios.test.ts: "verdict GUEST FILE" -> kind. */
function verdicts(dir: string): RunOutcomes {
  const m: RunOutcomes = new Map();
  for (const f of readdirSync(dir).filter((f) => f.endsWith('.json') && f !== 'run.json')) {
    for (const v of JSON.parse(readFileSync(path.join(dir, f), 'utf8')) as { guest: string; file: string; verdict: string }[]) {
      m.set(`verdict ${v.guest} ${v.file}`, v.verdict);
    }
  }
  return m;
}

const all: RunOutcomes[] = [];
const records: (RunRecord | undefined)[] = [];
for (const r of earlier) {
  const dir = path.join(out, r);
  all.push(new Map([...tapOutcomes(readFileSync(path.join(dir, 'tap.txt'), 'utf8')), ...verdicts(dir)]));
  const rec = path.join(dir, 'run.json');
  records.push(existsSync(rec) ? (JSON.parse(readFileSync(rec, 'utf8')) as RunRecord) : undefined);
}
if (earlier.length) console.error(`flaky: continuing the campaign in ${out}: ${earlier.length} earlier run(s)`);
const first = earlier.length ? Number(earlier[earlier.length - 1]!.slice(4)) + 1 : 1;
const last = first + runs - 1;
const campaignStart = Date.now();
for (let i = first; i <= last; i++) {
  if (Date.now() - campaignStart > maxMinutes * 60_000) {
    console.error(`flaky: --max-minutes ${maxMinutes} reached: ${i - first} of ${runs} runs done`);
    break;
  }
  const dir = path.join(out, `run-${i}`);
  mkdirSync(dir);
  const started = Date.now();
  const commit = git('rev-parse', '--short', 'HEAD') || '(unknown)';
  const dirty = git('status', '--porcelain', '--untracked-files=no') !== '';
  console.error(`flaky: run ${i}/${last} ...`);
  const r = await runSuite(dir);
  writeFileSync(path.join(dir, 'tap.txt'), r.tap);
  const rec: RunRecord = { commit, dirty, startedAt: new Date(started).toISOString(), minutes: Math.round((Date.now() - started) / 6000) / 10, exit: r.code };
  writeFileSync(path.join(dir, 'run.json'), JSON.stringify(rec, null, 1) + '\n');
  records.push(rec);
  const outcomes = new Map([...tapOutcomes(r.tap), ...verdicts(dir)]);
  all.push(outcomes);
  const failing = [...outcomes.values()].filter((v) => v === 'not ok').length;
  console.error(`flaky: run ${i}/${last}: exit ${r.code}, ${outcomes.size} outcomes, ${failing} failing, ${((Date.now() - started) / 60_000).toFixed(1)} min`);
}
const ch = changes(all);
const table = changeTable(all, ch) + campaignCommits(records);
writeFileSync(path.join(out, 'flaky.md'), table);
console.log(table);
console.log(`(runs and the table kept in ${out})`);
process.exit(ch.length ? 1 : 0);

