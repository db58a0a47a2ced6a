// npm run bench: boot stages and SSH latency against the floor measured in the
// same run (same kernel, busybox initramfs powering off from /init). Writes
// bench/boot.json and bench/boot.md. Figures, not pass/fail tests.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { launchGuest } from '../launch.js';
import { ensureFloorInitramfs } from '../image/build.js';
import { resolveBootImages } from '../image/resolve.js';
import { resolveAccel } from '../qemu/accel.js';
import { repoRoot } from '../paths.js';
import { runFloor } from './floor.js';
import { median, percentile } from './stats.js';

const runs = Number(process.env['BENCH_RUNS'] ?? 3);
const commands = Number(process.env['BENCH_COMMANDS'] ?? 40);
const qemu = 'qemu-system-x86_64';
const log = (s: string): void => console.error(`bench: ${s}`);

const images = await resolveBootImages('stock', log);
const accel = (await resolveAccel('auto', { qemu, kernel: images.kernelPath })).accel;
const floorInitrd = await ensureFloorInitramfs();

const samples: Record<string, number[]> = {};
const add = (k: string, v: number | undefined): void => {
  if (v !== undefined && Number.isFinite(v)) (samples[k] ??= []).push(v);
};

// Warm the pmem template and page cache outside the measured runs.
await (await launchGuest({ log, accel })).guest.shutdown();

for (let i = 0; i < runs; i++) {
  const floor = await runFloor(qemu, images.kernelPath, floorInitrd, accel);
  add('floor: QEMU start to /init', floor.initMs);
  add('floor: QEMU start to exit', floor.exitMs);
  const { guest } = await launchGuest({ accel });
  try {
    const at = (name: string): number | undefined => guest.stages.find((s) => s.name === name)?.ms;
    // quiet hides the kernel's "Run /init"; init's first marker stands in for it.
    add('guest: QEMU start to /init', at('run-init') ?? at('stage:init'));
    add('guest: QEMU start to pmem mounted', at('stage:mounted'));
    add('guest: QEMU start to VFSLAB-READY', at('ready'));
    add('guest: QEMU start to SSH ready', at('ssh-ready'));
    for (let c = 0; c < commands; c++) {
      const t0 = performance.now();
      await guest.exec('true');
      add('ssh: command on the open connection', performance.now() - t0);
    }
  } finally {
    await guest.shutdown();
  }
  log(`run ${i + 1}/${runs} done`);
}

const floorInit = median(samples['floor: QEMU start to /init']!);
const targets: Record<string, number> = {
  'guest: QEMU start to SSH ready': 3000,
  'ssh: command on the open connection': 60,
};
const rows = Object.entries(samples).map(([name, v]) => {
  const med = median(v);
  return {
    name,
    n: v.length,
    medianMs: Math.round(med * 10) / 10,
    p90Ms: Math.round(percentile(v, 0.9) * 10) / 10,
    vsFloorInit: name.startsWith('ssh:') ? null : Math.round((med / floorInit) * 100) / 100,
    targetMs: targets[name] ?? null,
    meetsTarget: targets[name] === undefined ? null : med <= targets[name]!,
  };
});
const result = { date: new Date().toISOString(), accel, kernel: path.basename(images.kernelPath), runs, commandsPerRun: commands, rows };
const dir = path.join(repoRoot, 'bench');
await mkdir(dir, { recursive: true });
await writeFile(path.join(dir, 'boot.json'), JSON.stringify(result, null, 2) + '\n');
const md = [
  `# Boot and SSH figures (${result.date}, ${accel}, ${result.kernel}, ${runs} runs)`,
  '',
  '| measure | n | median ms | p90 ms | x floor /init | target ms | meets |',
  '|---|---|---|---|---|---|---|',
  ...rows.map((r) => `| ${r.name} | ${r.n} | ${r.medianMs} | ${r.p90Ms} | ${r.vsFloorInit ?? ''} | ${r.targetMs ?? ''} | ${r.meetsTarget === null ? '' : r.meetsTarget ? 'yes' : 'no'} |`),
  '',
].join('\n');
await writeFile(path.join(dir, 'boot.md'), md);
console.log(md);
