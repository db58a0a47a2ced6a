// Pure builders for the QEMU argv and the guest kernel command line
// (docs/guest-contract.md). No I/O here: the goldens pin the exact argv.
import { InputError } from '../errors.js';

export type Accel = 'kvm' | 'tcg';
export type PmemBackend = 'nvdimm' | 'memmap' | 'virtio' | 'none';
export type FsType = 'ext4' | 'xfs';
export type DaxMode = 'always' | 'inode' | 'never';

export const PMEM_BACKENDS: readonly PmemBackend[] = ['nvdimm', 'memmap', 'virtio', 'none'];
export const FS_TYPES: readonly FsType[] = ['ext4', 'xfs'];
export const DAX_MODES: readonly DaxMode[] = ['always', 'inode', 'never'];

/** xfsprogs 6.1 refuses filesystems under 300 MB. */
export const DEFAULT_PMEM_MIB = 512;
export const MIN_PMEM_MIB = 300;
/** The memmap= region starts at 1 GiB of guest RAM (contract: memmap=512M!1G). */
const MEMMAP_OFFSET_MIB = 1024;
/** Under TCG: seconds before an RCU CPU stall warning (kernel range 3-300; default 21). */
export const TCG_RCU_STALL_S = 120;
/** Under TCG: the lockup detectors' threshold; a soft lockup is reported after twice it (default 10). */
export const TCG_WATCHDOG_THRESH_S = 60;

/** x86 COMMAND_LINE_SIZE: a longer cmdline is silently truncated by the kernel. */
const MAX_CMDLINE = 2048;

export interface QemuConfig {
  qemu: string;
  kernel: string;
  initrd: string;
  accel: Accel;
  /** Guest RAM; default 512 MiB, 2048 for memmap (the region lives inside RAM). */
  memoryMiB?: number;
  pmem: PmemBackend;
  /** Backing file for nvdimm/virtio; unused for memmap/none. */
  pmemFile?: string;
  pmemSizeMiB?: number;
  fs: FsType;
  dax: DaxMode;
  sshPort: number;
  consoleLog: string;
  /** base64 of the authorized_keys line, passed as vfslab.key=. */
  authorizedKeyB64: string;
  /** The backing file is a copy of a pmem template: init skips ndctl and mkfs (vfslab.prepared=1). */
  prepared?: boolean;
  extraCmdline?: readonly string[];
  /** A QMP socket, so a guest that hangs can be asked for its registers before it is killed. */
  qmpSocket?: string;
  /** Appended verbatim (a test seam, e.g. -S to start with the CPU stopped). */
  extraQemuArgs?: readonly string[];
}

function pmemMiB(cfg: QemuConfig): number {
  const size = cfg.pmemSizeMiB ?? DEFAULT_PMEM_MIB;
  if (!Number.isInteger(size) || size < MIN_PMEM_MIB) {
    throw new InputError('--pmem-size', `${size} MiB is too small or not an integer`, `an integer >= ${MIN_PMEM_MIB} (MiB)`);
  }
  return size;
}

function memoryMiB(cfg: QemuConfig): number {
  // 512 MiB boots ~0.3 s faster than 1 GiB under TCG (struct page init); memmap's region lives in RAM.
  const dflt = cfg.pmem === 'memmap' ? 2048 : 512;
  const mem = cfg.memoryMiB ?? dflt;
  if (!Number.isInteger(mem) || mem < 256) {
    throw new InputError('--memory', `${mem} MiB is not usable`, 'an integer >= 256 (MiB)');
  }
  if (cfg.pmem === 'memmap' && mem < MEMMAP_OFFSET_MIB + pmemMiB(cfg)) {
    throw new InputError('--memory', `${mem} MiB cannot hold the memmap region`, `>= ${MEMMAP_OFFSET_MIB + pmemMiB(cfg)} MiB with --pmem memmap`);
  }
  return mem;
}

function size(mib: number): string {
  return mib % 1024 === 0 ? `${mib / 1024}G` : `${mib}M`;
}

export function buildKernelCmdline(cfg: QemuConfig): string {
  for (const [flag, value, valid] of [
    ['--pmem', cfg.pmem, PMEM_BACKENDS],
    ['--fs', cfg.fs, FS_TYPES],
    ['--dax', cfg.dax, DAX_MODES],
  ] as const) {
    if (!(valid as readonly string[]).includes(value)) throw new InputError(flag, `unknown value '${value}'`, valid.join('|'));
  }
  if (!/^[A-Za-z0-9+/]+=*$/.test(cfg.authorizedKeyB64)) {
    throw new InputError('authorized key', 'not base64', 'base64 of one authorized_keys line');
  }
  const args = [
    'console=ttyS0',
    'panic=-1',
    'quiet',
    // quiet alone is loglevel 4, which hides every WARNING: splat from the oops detector.
    'loglevel=5',
    'random.trust_cpu=on',
    // The boot-time crypto self-tests cost ~0.2 s under TCG (crypto_algapi_init
    // runs every deferred alg test); nothing vfslab observes uses that crypto.
    'cryptomgr.notests',
    // The guest speaks IPv4 to slirp only; inet6_init is ~50 ms of TCG boot.
    'ipv6.disable=1',
    `vfslab.pmem=${cfg.pmem}`,
    `vfslab.fs=${cfg.fs}`,
    `vfslab.dax=${cfg.dax}`,
    `vfslab.key=${cfg.authorizedKeyB64}`,
  ];
  if (cfg.prepared) {
    if (cfg.pmem !== 'nvdimm' && cfg.pmem !== 'virtio') {
      throw new InputError('pmem template', `--pmem ${cfg.pmem} has no backing file to prepare`, 'nvdimm|virtio');
    }
    args.push('vfslab.prepared=1');
  }
  if (cfg.accel === 'tcg') {
    // TCG runs guest code many times slower than hardware, and a loaded host
    // leaves a vCPU thread unscheduled for seconds while guest time runs on:
    // the stall detectors' hardware thresholds (RCU 21 s, soft lockup 20 s)
    // then fire with no kernel bug (seen: an RCU self-detected stall on a
    // loaded CI run). Scaled up, they still catch a CPU that is really stuck.
    args.push(`rcupdate.rcu_cpu_stall_timeout=${TCG_RCU_STALL_S}`, `watchdog_thresh=${TCG_WATCHDOG_THRESH_S}`);
  }
  if (cfg.pmem === 'memmap') args.push(`memmap=${size(pmemMiB(cfg))}!${size(MEMMAP_OFFSET_MIB)}`);
  for (const extra of cfg.extraCmdline ?? []) {
    if (extra === '' || /\s/.test(extra)) {
      throw new InputError('--append', `'${extra}' is empty or contains whitespace`, 'one kernel parameter per item');
    }
    args.push(extra);
  }
  const line = args.join(' ');
  if (line.length >= MAX_CMDLINE) {
    throw new InputError('--append', `kernel command line is ${line.length} bytes`, `under ${MAX_CMDLINE} bytes`);
  }
  return line;
}

export function buildQemuArgv(cfg: QemuConfig): string[] {
  if (cfg.accel !== 'kvm' && cfg.accel !== 'tcg') throw new InputError('--accel', `unknown value '${cfg.accel}'`, 'auto|kvm|tcg');
  if (!Number.isInteger(cfg.sshPort) || cfg.sshPort < 1 || cfg.sshPort > 65535) {
    throw new InputError('ssh port', `${cfg.sshPort} is not a TCP port`, '1-65535');
  }
  const cmdline = buildKernelCmdline(cfg);
  const mem = memoryMiB(cfg);
  const filePmem = cfg.pmem === 'nvdimm' || cfg.pmem === 'virtio';
  const argv = [
    cfg.qemu,
    '-M',
    cfg.pmem === 'nvdimm' ? 'q35,nvdimm=on' : 'q35',
    '-accel',
    cfg.accel,
    '-cpu',
    'max',
    '-smp',
    '1',
    // -nodefaults drops the default NIC/VGA/serial/monitor; we add back exactly what we use.
    '-nodefaults',
    '-no-user-config',
    '-display',
    'none',
    // With panic=-1 a panic reboots; -no-reboot turns that into QEMU exiting.
    '-no-reboot',
    '-monitor',
    'none',
    '-serial',
    `file:${cfg.consoleLog}`,
  ];
  if (cfg.qmpSocket) argv.push('-qmp', `unix:${cfg.qmpSocket.replaceAll(',', ',,')},server=on,wait=off`);
  if (filePmem) {
    const pmem = pmemMiB(cfg);
    // QemuOpts values escape ',' as ',,'; the path is otherwise split there.
    if (!cfg.pmemFile) throw new InputError('pmem backing file', `required for --pmem ${cfg.pmem}`, 'a path');
    argv.push(
      '-m',
      `${size(mem)},slots=2,maxmem=${size(Math.max(4096, mem + pmem))}`,
      '-object',
      `memory-backend-file,id=mem1,share=on,mem-path=${cfg.pmemFile.replaceAll(',', ',,')},size=${size(pmem)}`,
      '-device',
      // The label area lets ndctl create an fsdax namespace (else it stays raw: no DAX).
      cfg.pmem === 'nvdimm' ? 'nvdimm,id=nv1,memdev=mem1,label-size=128K' : 'virtio-pmem-pci,memdev=mem1,id=nv1',
    );
  } else {
    argv.push('-m', size(mem));
  }
  argv.push(
    '-nic',
    // restrict=on: the guest reaches nothing on the host or beyond; only the SSH forward comes in.
    `user,model=virtio-net-pci,restrict=on,hostfwd=tcp:127.0.0.1:${cfg.sshPort}-:22`,
    '-kernel',
    cfg.kernel,
    '-initrd',
    cfg.initrd,
    '-append',
    cmdline,
    ...(cfg.extraQemuArgs ?? []),
  );
  return argv;
}
