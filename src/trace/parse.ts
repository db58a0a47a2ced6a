// Parses and validates runner JSONL output into typed observations. Every
// error names the line; a bad line is skipped so one truncated line (a runner
// killed mid-write) does not hide the rest of the trace, but inside a scenario
// it leaves an `infra` `trace` observation in its place, so the checker names
// the bad line instead of tripping over the gap it leaves.
import type { Observation, ObservationKind, ScenarioTrace, Summary } from './types.js';

export interface TraceLineError {
  line: number;
  message: string;
}

export interface ParsedTrace {
  observations: Observation[];
  /** Observations grouped by scenario index, in index order. */
  scenarios: ScenarioTrace[];
  summary: Summary | null;
  errors: TraceLineError[];
}

export class TraceParseError extends Error {
  constructor(
    readonly source: string,
    readonly errors: TraceLineError[],
  ) {
    super(errors.map((e) => `${source}:${e.line}: ${e.message}`).join('\n'));
    this.name = 'TraceParseError';
  }
}

type FieldType = 'int' | 'num' | 'str' | 'bool' | 'int?' | 'str?' | 'obj' | 'arr' | 'rec';

// Required fields per kind (beyond kind/scenario/t) and their types; optional
// fields of `done` are checked in checkDoneExtras.
const required: Record<ObservationKind, Record<string, FieldType>> = {
  'scenario-start': { name: 'str', dir: 'str', settleMs: 'int', watchdogMs: 'int' },
  process: { proc: 'str', pid: 'int', pgid: 'int', parent: 'str?', seq: 'int' },
  done: {
    seq: 'int',
    proc: 'str',
    pid: 'int',
    op: 'str',
    ret: 'int',
    errno: 'int',
    errname: 'str?',
    late: 'bool',
  },
  blocked: { seq: 'int', proc: 'str', pid: 'int', op: 'str' },
  skipped: { seq: 'int', proc: 'str', op: 'str', reason: 'str' },
  signal: {
    proc: 'str',
    pid: 'int',
    signo: 'int',
    signame: 'str',
    code: 'int',
    fd: 'int',
    band: 'int',
    sigPid: 'int',
    sigPidProc: 'str?',
    inStep: 'int?',
    atStep: 'int',
  },
  exit: {
    proc: 'str',
    pid: 'int',
    status: 'int?',
    signo: 'int?',
    core: 'bool',
    teardown: 'bool',
    atStep: 'int',
  },
  infra: { error: 'str', message: 'str' },
  'scenario-end': { name: 'str', status: 'str', steps: 'int' },
  summary: { scenarios: 'int', ok: 'int', infra: 'int', elapsedUs: 'int' },
};

const doneOptional: Record<string, FieldType> = {
  name: 'str',
  data: 'str',
  text: 'str',
  retProc: 'str?',
  owner: 'obj',
  statx: 'obj',
  link: 'str',
  events: 'arr',
  addr: 'str',
  outcome: 'str',
  fault: 'obj',
  old: 'str',
  child: 'str',
  fds: 'rec',
  blockedSeq: 'int?',
};

const infraKinds = new Set(['plan', 'setup', 'watchdog', 'protocol', 'runner-crash', 'restore', 'timeout', 'trace']);

function typeOk(v: unknown, t: FieldType): boolean {
  switch (t) {
    case 'int':
      return Number.isSafeInteger(v);
    case 'num':
      return typeof v === 'number' && Number.isFinite(v);
    case 'str':
      return typeof v === 'string';
    case 'bool':
      return typeof v === 'boolean';
    case 'int?':
      return v === null || Number.isSafeInteger(v);
    case 'str?':
      return v === null || typeof v === 'string';
    case 'obj':
      return typeof v === 'object' && v !== null && !Array.isArray(v);
    case 'arr':
      return Array.isArray(v);
    case 'rec':
      return (
        typeof v === 'object' &&
        v !== null &&
        !Array.isArray(v) &&
        Object.values(v).every((x) => Number.isSafeInteger(x))
      );
  }
}

function checkFields(o: Record<string, unknown>, spec: Record<string, FieldType>, optional: boolean): string | null {
  for (const [k, t] of Object.entries(spec)) {
    if (!(k in o)) {
      if (optional) continue;
      return `missing field "${k}"`;
    }
    if (!typeOk(o[k], t)) return `field "${k}" should be ${t}, got ${JSON.stringify(o[k])}`;
  }
  return null;
}

const eventSpec: Record<string, FieldType> = {
  mask: 'int',
  fd: 'int',
  pid: 'int',
  pidProc: 'str?',
  vers: 'int',
  metadataLen: 'int',
  eventLen: 'int',
  name: 'str?',
  path: 'str?',
  flags: 'int?',
  fdFlags: 'int?',
  offset: 'int?',
  info: 'arr',
};

function checkDoneExtras(o: Record<string, unknown>): string | null {
  const bad = checkFields(o, doneOptional, true);
  if (bad) return bad;
  if (o.outcome !== undefined && !['ok', 'SIGBUS', 'SIGSEGV'].includes(o.outcome as string))
    return `field "outcome" should be ok|SIGBUS|SIGSEGV, got ${JSON.stringify(o.outcome)}`;
  if (Array.isArray(o.events)) {
    for (const [i, e] of o.events.entries()) {
      if (typeof e !== 'object' || e === null) return `events[${i}] is not an object`;
      const b = checkFields(e as Record<string, unknown>, eventSpec, false);
      if (b) return `events[${i}]: ${b}`;
    }
  }
  return null;
}

/** Validates one parsed JSON value as an observation; returns an error text or the observation. */
export function toObservation(v: unknown): Observation | string {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return 'not a JSON object';
  const o = v as Record<string, unknown>;
  const kind = o.kind;
  if (typeof kind !== 'string' || !(kind in required))
    return `unknown kind ${JSON.stringify(kind)} (valid: ${Object.keys(required).join(', ')})`;
  if (!Number.isSafeInteger(o.scenario)) return 'missing or non-integer "scenario"';
  if (!Number.isSafeInteger(o.t)) return 'missing or non-integer "t"';
  const bad = checkFields(o, required[kind as ObservationKind], false);
  if (bad) return `${kind}: ${bad}`;
  if (kind === 'done') {
    const b = checkDoneExtras(o);
    if (b) return `done: ${b}`;
  }
  if (kind === 'infra' && !infraKinds.has(o.error as string))
    return `infra: unknown error kind ${JSON.stringify(o.error)}`;
  if (kind === 'scenario-end' && o.status !== 'ok' && o.status !== 'infra')
    return `scenario-end: status should be ok|infra, got ${JSON.stringify(o.status)}`;
  return o as unknown as Observation;
}

/**
 * Parses runner output. Blank lines are ignored; bad lines are reported in
 * `errors` and skipped; one inside a scenario (its `"scenario":N` readable, or
 * else after that scenario's start and before its end) is also replaced by an
 * `infra` observation of kind `trace` for that scenario.
 */
export function parseTrace(text: string): ParsedTrace {
  const observations: Observation[] = [];
  const errors: TraceLineError[] = [];
  const lines = text.split('\n');
  let open: { scenario: number; t: number } | null = null;
  const bad = (line: number, message: string, raw: string): void => {
    errors.push({ line, message });
    const m = /^\{"kind":"[a-z-]+","scenario":(-?\d+),"t":(\d+)/.exec(raw);
    const scenario = m ? Number(m[1]) : open?.scenario;
    if (scenario === undefined || scenario < 0) return;
    const t = m ? Number(m[2]) : open?.t ?? 0;
    observations.push({ kind: 'infra', scenario, t, error: 'trace', message: `trace line ${line}: ${message}` });
  };
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!.trim();
    if (raw === '') continue;
    let v: unknown;
    try {
      v = JSON.parse(raw);
    } catch (e) {
      bad(i + 1, `invalid JSON (${(e as Error).message}): ${raw.slice(0, 80)}`, raw);
      continue;
    }
    const r = toObservation(v);
    if (typeof r === 'string') {
      bad(i + 1, r, raw);
      continue;
    }
    observations.push(r);
    if (r.kind === 'scenario-start') open = { scenario: r.scenario, t: r.t };
    else if (r.kind === 'scenario-end') open = null;
    else if (open) open.t = r.t;
  }
  return { observations, scenarios: groupByScenario(observations), summary: findSummary(observations), errors };
}

/** Like parseTrace, but throws a TraceParseError naming `source` and every bad line. */
export function parseTraceStrict(text: string, source = '<trace>'): ParsedTrace {
  const r = parseTrace(text);
  if (r.errors.length > 0) throw new TraceParseError(source, r.errors);
  return r;
}

function findSummary(obs: Observation[]): Summary | null {
  for (let i = obs.length - 1; i >= 0; i--) {
    const o = obs[i]!;
    if (o.kind === 'summary') return o;
  }
  return null;
}

/** Groups observations by scenario index; batch-level lines (scenario -1) are left out. */
export function groupByScenario(obs: Observation[]): ScenarioTrace[] {
  const byIndex = new Map<number, ScenarioTrace>();
  for (const o of obs) {
    if (o.scenario < 0) continue;
    let s = byIndex.get(o.scenario);
    if (!s) {
      s = { index: o.scenario, name: '', observations: [], complete: false };
      byIndex.set(o.scenario, s);
    }
    if (o.kind === 'scenario-start') s.name = o.name;
    if (o.kind === 'scenario-end') {
      s.complete = true;
      if (s.name === '') s.name = o.name;
    }
    s.observations.push(o);
  }
  return [...byIndex.values()].sort((a, b) => a.index - b.index);
}

/** Decodes a `data` hex string into bytes. */
export function hexToBytes(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length >> 1);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}
