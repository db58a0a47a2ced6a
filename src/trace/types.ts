// The observations of a runner trace: one JSON object per line, written by
// guest/probes/runner (vfslab-runner) in the order its coordinator saw them.
// The plan format and the runner's behaviour are in docs/runner-protocol.md.
//
// Stability: the model and the checker read these types. Change them
// compatibly only (add optional fields or new union members), and list each
// change here.
// Changes:
//   1. An `exit` step is reported like every other step: a `done` (ret 0,
//      errno 0; `late` when a `blocked` came first) when the runner reaps the
//      process with an exit status, written just before its `exit`
//      observation. Every step is reported done, blocked or skipped, in step
//      order (late completions aside); the checker relies on it.
//   2. `expect_blocked`: `ret` is 1 when the process has a step reported
//      blocked that has not completed (`blockedSeq` names it), else 0 (and
//      `blockedSeq` null).
//   3. InfraErrorKind gains `trace`: a line of the trace the host could not
//      parse (written by src/trace/parse.ts in its place, never by the runner).
//   4. `done` of the `fionread` op: `ret` is the int FIONREAD stored; of the
//      `poll` op: `ret` is revents (0 when poll timed out). No new fields.
//
// Conventions:
// - `scenario` is the index of the scenario in the batch (0-based);
//   `summary` and batch-level `infra` lines use -1.
// - `t` is CLOCK_MONOTONIC in microseconds since the runner started. It is for
//   diagnosis only and is never matched.
// - `seq` is the step's index in Scenario.steps (Step.id).
// - `errno` is the x86_64 errno number (0: no error), `errname` its symbolic
//   name ("EAGAIN"), null when errno is 0.
// - Pids are real pids of the guest; wherever a pid is reported, the runner
//   also reports the scenario process name it belongs to (or null).
// - Byte strings are lowercase hex (`data`), plus `text` when every byte is
//   printable ASCII.

export type ObservationKind =
  | 'scenario-start'
  | 'process'
  | 'done'
  | 'blocked'
  | 'skipped'
  | 'signal'
  | 'exit'
  | 'infra'
  | 'scenario-end'
  | 'summary';

interface ObservationBase {
  kind: ObservationKind;
  scenario: number;
  /** Monotonic µs since runner start; diagnosis only. */
  t: number;
}

export interface ScenarioStart extends ObservationBase {
  kind: 'scenario-start';
  name: string;
  /** The scenario's own directory (the cwd of its processes). */
  dir: string;
  settleMs: number;
  watchdogMs: number;
}

/** A scenario process came into being (initial process, or by a fork step). */
export interface ProcessStarted extends ObservationBase {
  kind: 'process';
  proc: string;
  pid: number;
  pgid: number;
  /** Forking process name; null for the initial process. */
  parent: string | null;
  /** The fork step that created it; -1 for the initial process. */
  seq: number;
}

/** statx(2) fields, as numbers (all fit in 2^53 on the guests we run). */
export interface StatxResult {
  mask: number;
  attributes: number;
  attributesMask: number;
  mode: number;
  nlink: number;
  uid: number;
  gid: number;
  ino: number;
  size: number;
  blocks: number;
  blksize: number;
  devMajor: number;
  devMinor: number;
}

/** One fanotify info record after the event metadata. */
export interface FanotifyInfo {
  /** info_type: 1 FID, 2 DFID_NAME, 3 DFID, 4 PIDFD, 5 ERROR, 10/12 OLD/NEW_DFID_NAME. */
  type: number;
  len: number;
  /** The whole record, hex. */
  raw: string;
  /** FID records. */
  fsid?: string;
  handleType?: number;
  handle?: string;
  /** DFID_NAME / OLD_DFID_NAME / NEW_DFID_NAME records. */
  name?: string;
  /** PIDFD record. */
  pidfd?: number;
  /** ERROR record. */
  error?: number;
  errorCount?: number;
}

/** One decoded fanotify event from a fanotify_read step. */
export interface FanotifyEvent {
  mask: number;
  /** metadata.fd (an fd number, or FAN_NOFD = -1, or -errno on newer kernels). */
  fd: number;
  pid: number;
  /** Scenario process whose pid (tgid or tid) `pid` is, else null. */
  pidProc: string | null;
  vers: number;
  metadataLen: number;
  eventLen: number;
  /** The name the event fd was bound to (from the step's result list), or null. */
  name: string | null;
  /** readlink(/proc/self/fd/<fd>); null when fd < 0 or the readlink failed. */
  path: string | null;
  /** fcntl(F_GETFL) of the event fd; null when fd < 0 or it failed. */
  flags: number | null;
  /** fcntl(F_GETFD) of the event fd; null when fd < 0 or it failed. */
  fdFlags: number | null;
  /** lseek(fd, 0, SEEK_CUR) of the event fd; null when fd < 0 or it failed. */
  offset: number | null;
  info: FanotifyInfo[];
}

export type MemoryOutcome = 'ok' | 'SIGBUS' | 'SIGSEGV';

/**
 * A step finished (at once, or `late` after it was reported blocked). For an
 * `exit` step: the process was reaped with an exit status (ret 0).
 */
export interface StepDone extends ObservationBase {
  kind: 'done';
  seq: number;
  proc: string;
  pid: number;
  /** The op kind of the step (Op['kind'] of src/scenario/ast.ts). */
  op: string;
  /** The syscall's return value (for mmap: 0 on success, -1 on failure). */
  ret: number;
  errno: number;
  errname: string | null;
  /** True when a `blocked` observation for this step came first. */
  late: boolean;
  /** Name bound to the new fd (open, dup*, fanotify_init, F_DUPFD*). */
  name?: string;
  /** Bytes read (read, pread, load). */
  data?: string;
  text?: string;
  /** Scenario process name of the pid in `ret` (fork, F_GETOWN). */
  retProc?: string | null;
  /** F_GETOWN_EX. */
  owner?: { type: number; pid: number; proc: string | null };
  statx?: StatxResult;
  /** readlink_fd. */
  link?: string;
  /** fanotify_read: decoded events in buffer order. */
  events?: FanotifyEvent[];
  /** mmap: the address, for diagnosis only. */
  addr?: string;
  /** load/store: whether the access completed or faulted. */
  outcome?: MemoryOutcome;
  /** load/store fault details: si_code and the faulting offset in the mapping. */
  fault?: { signo: number; code: number; offset: number };
  /** sysctl: the value before the write (restored after the scenario). */
  old?: string;
  /** fork: the child's name. */
  child?: string;
  /** execve: the fd names still bound after exec (close-on-exec applied). */
  fds?: Record<string, number>;
  /** expect_blocked: the seq of the step found blocked (ret 1), or null (ret 0). */
  blockedSeq?: number | null;
}

/** A step had not finished when the settle time ran out. */
export interface StepBlocked extends ObservationBase {
  kind: 'blocked';
  seq: number;
  proc: string;
  pid: number;
  op: string;
}

/**
 * A step that was not started because its process no longer exists (it
 * exited or was killed, e.g. by a SIGIO with the default disposition).
 */
export interface StepSkipped extends ObservationBase {
  kind: 'skipped';
  seq: number;
  proc: string;
  op: string;
  reason: 'exited';
}

/** A signal caught by a scenario process's SA_SIGINFO handler. */
export interface SignalSeen extends ObservationBase {
  kind: 'signal';
  proc: string;
  pid: number;
  signo: number;
  /** "SIGIO", "SIGRTMIN+3", ... */
  signame: string;
  /** si_code (SI_KERNEL 0x80, POLL_MSG 3, SI_SIGIO -5, SI_USER 0, ...). */
  code: number;
  /**
   * si_fd and si_band: reported for POLL_* codes (1..6) and SI_SIGIO (-5)
   * only (siginfo is a union); 0 for other codes.
   */
  fd: number;
  band: number;
  /** si_pid and its scenario process name; 0/null for POLL_* and SI_SIGIO codes. */
  sigPid: number;
  sigPidProc: string | null;
  /** The step the receiving process was executing when the handler ran, else null (idle). */
  inStep: number | null;
  /** The last step the coordinator had started when it read the signal (-1: none yet). */
  atStep: number;
}

/**
 * A scenario process ended. When it ended by its own `exit` step, that step's
 * `done` comes just before this.
 */
export interface ProcessExit extends ObservationBase {
  kind: 'exit';
  proc: string;
  pid: number;
  /** Exit status when it exited, else null. */
  status: number | null;
  /** Terminating signal when killed, else null. */
  signo: number | null;
  core: boolean;
  /** True when the runner killed it at scenario teardown (or by the watchdog). */
  teardown: boolean;
  atStep: number;
}

export type InfraErrorKind =
  | 'plan' // the plan could not be parsed or is inconsistent
  | 'setup' // scenario directory, sysctl write, process start failed
  | 'watchdog' // a wait for a process exceeded the watchdog time
  | 'protocol' // a scenario process sent something unexpected
  | 'runner-crash' // a scenario process died inside runner code
  | 'restore' // a sysctl could not be restored
  | 'timeout' // the host gave up on the runner (written by the host side)
  | 'trace'; // a trace line the host could not parse (written by src/trace/parse.ts)

/** A failure of the runner or its environment, not of the kernel under test. */
export interface InfraError extends ObservationBase {
  kind: 'infra';
  error: InfraErrorKind;
  message: string;
  /** The step concerned, if any. */
  seq?: number;
}

export interface ScenarioEnd extends ObservationBase {
  kind: 'scenario-end';
  name: string;
  status: 'ok' | 'infra';
  /** Steps started. */
  steps: number;
}

export interface Summary extends ObservationBase {
  kind: 'summary';
  scenarios: number;
  ok: number;
  infra: number;
  elapsedUs: number;
}

export type Observation =
  | ScenarioStart
  | ProcessStarted
  | StepDone
  | StepBlocked
  | StepSkipped
  | SignalSeen
  | ProcessExit
  | InfraError
  | ScenarioEnd
  | Summary;

/** The observations of one scenario, grouped by the parser. */
export interface ScenarioTrace {
  index: number;
  name: string;
  observations: Observation[];
  /** True when a scenario-end line was seen. */
  complete: boolean;
}
