// Process-wide cleanup registry: whatever way this process ends (normal exit,
// error, uncaught exception, SIGINT/SIGTERM/SIGHUP) every registered action
// runs once, so no QEMU outlives us and no temp dir is left behind. Actions
// must be synchronous: the 'exit' event allows nothing else.
import os from 'node:os';

type Action = () => void;

const actions = new Map<number, Action>();
let nextId = 1;
let installed = false;
/** Set when an exception or rejection went uncaught: the exit that follows is a crash. */
let crashed = false;
/** The signal this process is ending by, once one was caught. */
let interruptedBy: string | undefined;

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
type HandledSignal = (typeof SIGNALS)[number];

/** Registers `action`; returns a function that unregisters it (without running it). */
export function onCleanup(action: Action): () => void {
  installCleanupHandlers();
  const id = nextId++;
  actions.set(id, action);
  return () => {
    actions.delete(id);
  };
}

/** Runs and clears all registered actions (newest first); errors are swallowed. */
export function runCleanups(): void {
  const all = [...actions.values()].reverse();
  actions.clear();
  for (const action of all) {
    try {
      action();
    } catch {
      // Best effort: one failing action must not keep the others from running.
    }
  }
}

/** Whether this process is ending because of an uncaught exception (cleanups may keep evidence then). */
export function processCrashed(): boolean {
  return crashed;
}

/**
 * The signal (SIGINT, SIGTERM, SIGHUP) this process is ending by, if any:
 * cleanups may keep evidence then, and work still running (another handler
 * may hold the exit for a moment) must not start anything new.
 */
export function processInterrupted(): string | undefined {
  return interruptedBy;
}

/** 128 + the signal's number: the status of a process that ends by it. */
export function signalExitStatus(signal: string): number {
  return 128 + (os.constants.signals[signal as HandledSignal] ?? 0);
}

export function pendingCleanups(): number {
  return actions.size;
}

/** How long another signal handler gets to end the process before we do. */
const OTHER_HANDLER_GRACE_MS = 1000;

function onSignal(signal: HandledSignal): void {
  interruptedBy ??= signal;
  runCleanups();
  process.removeListener(signal, signalHandlers[signal]);
  const status = signalExitStatus(signal);
  if (process.listenerCount(signal) === 0) {
    // Nobody else handles it: die of the signal as if we had not caught it.
    process.kill(process.pid, signal);
    process.exit(status); // Only if the re-raised signal was somehow ignored.
  }
  // Another handler (the CLI's, or a library's such as signal-exit, which
  // stands back when it is not alone) decides; should none end the process,
  // exit as the signal would have rather than drain to a clean 0.
  setTimeout(() => process.exit(status), OTHER_HANDLER_GRACE_MS);
}

const signalHandlers = Object.fromEntries(SIGNALS.map((s) => [s, () => onSignal(s)])) as Record<HandledSignal, () => void>;

/**
 * Installs the exit/signal handlers now (onCleanup does it lazily); a CLI calls
 * this at start so that its signal behaviour does not depend on whether a guest ran.
 */
export function installCleanupHandlers(): void {
  if (installed) return;
  installed = true;
  // A monitor only observes: Node still prints the error and exits 1, then 'exit' runs the cleanups.
  process.on('uncaughtExceptionMonitor', () => {
    crashed = true;
  });
  process.on('exit', runCleanups);
  for (const s of SIGNALS) process.on(s, signalHandlers[s]);
}
