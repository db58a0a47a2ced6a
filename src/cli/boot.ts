// vfslab boot: boot a guest, run CMD in it (or a shell), exit with its status.
import { launchGuest } from '../../harness/launch.js';
import { DAX_MODES, FS_TYPES, PMEM_BACKENDS } from '../../harness/qemu/args.js';
import { ACCEL_REQUESTS } from '../../harness/qemu/accel.js';
import { oneOf, parseCommandArgs, guestFlags } from './options.js';
import { interactiveShell } from './shell.js';
import { bootStages, progress } from './progress.js';

export const bootUsage = `usage: vfslab boot [--kernel stock|NAME|PATH] [--pmem nvdimm|memmap|virtio]
                   [--fs ext4|xfs] [--dax always|inode|never] [--accel auto|kvm|tcg]
                   [--keep] [--verbose] [-- CMD...]

Boots the guest, runs CMD in it over SSH and exits with CMD's status; with no
CMD and a terminal on stdin, opens a shell. The pmem filesystem is mounted at
/mnt/pmem, probes are in /opt/vfslab/bin. Progress (boot stages) goes to
stderr: one live line on a terminal, plain lines when not a TTY or CI=true.

  --kernel K      stock (the pinned Debian kernel), a name from
                  images/manifest.json (e.g. patched), or a bzImage path
  --keep          keep the work dir (console log, pmem image) if it fails
  --verbose, -v   copy the guest console to stderr

exit: CMD's (or the shell's) status, so 0 when it succeeded; 1 if CMD
succeeded but the kernel oopsed; 2 bad input or missing set-up (nothing
boots); 3 infrastructure (boot, QEMU, SSH); 130/143 interrupted.

examples:
  vfslab boot --pmem nvdimm --fs xfs --dax always -- cat /proc/mounts
  vfslab boot --pmem virtio -- /opt/vfslab/bin/smoke
  vfslab boot --kernel patched -- uname -r
  vfslab boot                    # interactive shell`;

const flags = {
  kernel: { type: 'string' },
  ...guestFlags,
  keep: { type: 'boolean' },
  verbose: { type: 'boolean', short: 'v' },
  help: { type: 'boolean', short: 'h' },
} as const;

export async function bootCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs('boot', argv, flags, true);
  if (values.help) {
    console.log(bootUsage);
    return 0;
  }
  const pmem = oneOf('--pmem', values.pmem, PMEM_BACKENDS, 'nvdimm');
  const fs = oneOf('--fs', values.fs, FS_TYPES, 'ext4');
  const dax = oneOf('--dax', values.dax, DAX_MODES, 'always');
  const accelReq = oneOf('--accel', values.accel, ACCEL_REQUESTS, 'auto');
  const log = progress();
  log(`boot: ${pmem}/${fs}/dax=${dax}`);
  const stages = bootStages(log);
  const { guest } = await launchGuest({
    onStage: stages.onStage,
    onSpawn: stages.onSpawn,
    kernel: values.kernel ?? 'stock',
    accel: accelReq,
    pmem,
    fs,
    dax,
    keepOnFailure: values.keep ?? false,
    onConsole: values.verbose ? (c) => process.stderr.write(c) : undefined,
    log,
  }).finally(stages.end);
  let status = 0;
  try {
    const ready = guest.stages.find((s) => s.name === 'ssh-ready');
    log(`boot: guest ready (${guest.accel.accel}) in ${((ready?.ms ?? 0) / 1000).toFixed(2)} s (console: ${guest.consoleLogPath})`);
    if (positionals.length > 0) {
      // Like ssh(1): the words are joined and run by the guest's shell.
      const r = await guest.exec(positionals.join(' '), { timeoutMs: 24 * 3600_000 });
      process.stdout.write(r.stdout);
      process.stderr.write(r.stderr);
      status = r.code ?? 128;
    } else if (process.stdin.isTTY) {
      status = await interactiveShell(guest);
    } else {
      log('boot: no command and stdin is not a terminal: nothing to run');
    }
  } finally {
    const oopses = guest.oopses();
    if (oopses.length > 0) guest.markFailed();
    await guest.shutdown();
    for (const o of oopses) console.error(`boot: kernel ${o.rule} at console line ${o.line}:\n${o.excerpt}`);
    if (oopses.length > 0 && status === 0) status = 1;
  }
  return status;
}
