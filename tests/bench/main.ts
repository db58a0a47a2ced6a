// npm run bench: every speed target, each beside a baseline from the same run
// where one exists. Writes bench/results.json and bench/results.md.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { repoRoot } from '../../harness/paths.js';
import { resolveBootImages } from '../../harness/image/resolve.js';
import { resolveAccel } from '../../harness/qemu/accel.js';
import { launchGuest } from '../../harness/launch.js';
import { benchBoot } from '../../harness/bench/boot.js';
import { median, percentile } from '../../harness/bench/stats.js';
import { resolveProfile } from '../../src/cli/profile.js';
import { benchModel } from './model-throughput.js';
import { benchRunner } from './runner-throughput.js';
import { benchFuzz } from './fuzz.js';

interface Row {
  measure: string;
  n: number;
  value: number;
  unit: string;
  p90?: number;
  baseline?: string;
  ratio?: number;
  target?: string;
  meets?: boolean;
}

const runs = Number(process.env['BENCH_RUNS'] ?? 3);
const log = (s: string): void => console.error(`bench: ${s}`);
const round = (x: number): number => Math.round(x * 10) / 10;

const images = await resolveBootImages('stock', log);
const accel = (await resolveAccel('auto', { qemu: 'qemu-system-x86_64', kernel: images.kernelPath })).accel;
const rows: Row[] = [];

const boot = await benchBoot({ accel, runs, commands: 40, log });
const floorInit = median(boot['floor: QEMU start to /init'] ?? []);
const targets: Record<string, number> = { 'guest: QEMU start to SSH ready': 3000, 'ssh: command on the open connection': 60 };
for (const [measure, v] of Object.entries(boot)) {
  const value = median(v);
  const t = targets[measure];
  rows.push({
    measure,
    n: v.length,
    value: round(value),
    unit: 'ms',
    p90: round(percentile(v, 0.9)),
    ...(measure.startsWith('ssh:') ? {} : { baseline: 'floor /init', ratio: Math.round((value / floorInit) * 100) / 100 }),
    ...(t === undefined ? {} : { target: `<= ${t} ms`, meets: value <= t }),
  });
}

const model = benchModel(await resolveProfile('stock', undefined));
rows.push({
  measure: `model+check: recorded traces (${model.traces}, ${model.passed} pass)`,
  n: 1,
  value: Math.round(model.tracesPerSecond),
  unit: 'traces/s',
  baseline: 'parse only',
  ratio: Math.round((model.tracesPerSecond / model.parsePerSecond) * 100) / 100,
  target: '>= 5000 traces/s',
  meets: model.tracesPerSecond >= 5000,
});

const { guest } = await launchGuest({ accel, log });
try {
  const r = await benchRunner(guest, 200, 'small');
  // The whole fd+fcntl mix (a 100 ms sleep in one scenario): no target, the ratio says what waits cost.
  const mix = await benchRunner(guest, 200, 'all');
  rows.push({
    measure: `runner: ${r.scenarios} small scenarios (fd+fcntl, no waits) in one batch, warm guest`,
    n: 1,
    value: round(r.scenariosPerSecond),
    unit: 'scenarios/s',
    baseline: `empty plan ${round(r.emptyInvocationMs)} ms`,
    target: '>= 50 scenarios/s',
    meets: r.scenariosPerSecond >= 50,
  });
  rows.push({
    measure: `runner: ${mix.scenarios} fd+fcntl scenarios, waits included, same guest`,
    n: 1,
    value: round(mix.scenariosPerSecond),
    unit: 'scenarios/s',
    baseline: 'small scenarios above',
    ratio: Math.round((mix.scenariosPerSecond / r.scenariosPerSecond) * 100) / 100,
  });
} finally {
  await guest.shutdown();
}

// Fuzz targets (its own warm guest): generated scenarios checked/s, planted-divergence shrink.
rows.push(...(await benchFuzz(await resolveProfile('stock', undefined), log)));

const result = { date: new Date().toISOString(), accel, kernel: path.basename(images.kernelPath), runs, rows };
const dir = path.join(repoRoot, 'bench');
await mkdir(dir, { recursive: true });
await writeFile(path.join(dir, 'results.json'), JSON.stringify(result, null, 2) + '\n');
const md = [
  `# vfslab bench (${result.date}, ${accel}, ${result.kernel}, ${runs} boot runs)`,
  '',
  '| measure | n | median | p90 | baseline | x baseline | target | meets |',
  '|---|---|---|---|---|---|---|---|',
  ...rows.map(
    (r) =>
      `| ${r.measure} | ${r.n} | ${r.value} ${r.unit} | ${r.p90 ?? ''} | ${r.baseline ?? ''} | ${r.ratio ?? ''} | ${r.target ?? ''} | ${r.meets === undefined ? '' : r.meets ? 'yes' : 'no'} |`,
  ),
  '',
].join('\n');
await writeFile(path.join(dir, 'results.md'), md);
console.log(md);
