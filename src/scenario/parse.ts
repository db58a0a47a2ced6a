// Parses the line-oriented scenario format (docs/scenario-format.md) into the
// AST, then runs the semantic checks of validate.ts. Every error names
// file:line, what was wrong and the valid forms.

import type { DaxMode, Expectation, FsType, GuestSetup, PmemBackend, Scenario, Step } from './ast.js';
import { ArgError, Args, IDENT, parseInteger } from './args.js';
import { ERRNO, SYSCTLS } from './flags.js';
import { LexError, lexLine, type Token } from './lex.js';
import { OP_SYNTAXES, opSyntax } from './ops.js';
import { validateScenario } from './validate.js';

export interface ScenarioError {
  file: string;
  line: number;
  message: string;
  expected: string[];
}

export type ParseResult = { ok: true; scenario: Scenario } | { ok: false; errors: ScenarioError[] };

/** `file:line: message; expected one of a, b` */
export function formatScenarioError(e: ScenarioError): string {
  const exp = e.expected.length === 0 ? '' : e.expected.length === 1 ? `; expected ${e.expected[0]}` : `; expected one of ${e.expected.join(', ')}`;
  return `${e.file}:${e.line}: ${e.message}${exp}`;
}

const DIRECTIVES = ['scenario NAME', 'description "TEXT"', 'requires FEATURE...', 'setup pmem=.. fs=.. dax=..', 'sysctl NAME=VALUE', 'process NAME', 'PROC: STEP'];
const SETUP_VALUES: Record<string, readonly string[]> = {
  pmem: ['any', 'nvdimm', 'memmap', 'virtio'],
  fs: ['any', 'ext4', 'xfs'],
  dax: ['any', 'always', 'inode', 'never'],
};

class LineError extends Error {
  constructor(message: string, readonly expected: string[] = []) {
    super(message);
  }
}

function defaultName(file: string): string {
  const base = file.split('/').pop() ?? file;
  return base.replace(/\.[^.]*$/, '') || 'scenario';
}

/** Parses one scenario file's text. `file` is used for messages and the default name. */
export function parseScenario(text: string, file = '<input>'): ParseResult {
  const errors: ScenarioError[] = [];
  const sc: Scenario = {
    name: '', description: '', file, requires: [],
    setup: { pmem: 'any', fs: 'any', dax: 'any', sysctls: [] },
    processes: [], steps: [],
  };
  const seen = new Set<string>();
  const lines = text.split('\n');
  lines.forEach((raw, idx) => {
    const line = idx + 1;
    try {
      let toks: Token[];
      try {
        toks = lexLine(raw);
      } catch (e) {
        if (e instanceof LexError) throw new LineError(e.message);
        throw e;
      }
      if (toks.length === 0) return;
      const head = toks[0]!;
      if (head.kind === 'word' && head.text.endsWith(':') && head.text.length > 1) {
        sc.steps.push(parseStep(head.text.slice(0, -1), toks.slice(1), line, sc.steps.length));
        return;
      }
      if (head.kind !== 'word') throw new LineError(`a line starts with a directive or "PROC:"`, DIRECTIVES);
      directive(sc, head.text, toks.slice(1), seen, line);
    } catch (e) {
      if (e instanceof LineError || e instanceof ArgError) errors.push({ file, line, message: e.message, expected: e.expected });
      else throw e;
    }
  });
  if (!sc.name) sc.name = defaultName(file);
  if (errors.length === 0 && sc.processes.length === 0) {
    errors.push({ file, line: 1, message: 'no initial process declared', expected: ['process NAME (before the first step)'] });
  }
  if (errors.length > 0) return { ok: false, errors };
  const verrs = validateScenario(sc);
  if (verrs.length > 0) return { ok: false, errors: verrs.map((v) => ({ file, line: v.line, message: v.message, expected: v.expected })) };
  return { ok: true, scenario: sc };
}

function directive(sc: Scenario, word: string, rest: Token[], seen: Set<string>, line: number): void {
  const once = (d: string): void => {
    if (seen.has(d)) throw new LineError(`"${d}" given twice`, [`one "${d}" line per scenario file`]);
    seen.add(d);
  };
  const words = (): string[] => rest.map((t) => {
    if (t.kind === 'punct') throw new LineError(`unexpected "${t.text}"`);
    return t.text;
  });
  switch (word) {
    case 'scenario': {
      once('scenario');
      const w = words();
      if (w.length !== 1 || !/^[A-Za-z0-9_.-]+$/.test(w[0]!)) throw new LineError('bad scenario name', ['scenario NAME (letters, digits, . _ -)']);
      sc.name = w[0]!;
      return;
    }
    case 'description': {
      once('description');
      if (rest.length !== 1 || rest[0]!.kind !== 'string') throw new LineError('bad description', ['description "TEXT"']);
      sc.description = rest[0]!.text;
      return;
    }
    case 'requires': {
      const w = words();
      if (w.length === 0) throw new LineError('requires needs at least one feature', ['requires FEATURE...']);
      for (const f of w) {
        if (!IDENT.test(f)) throw new LineError(`bad feature name "${f}"`, ['a profile feature such as leases, leaseCloseShutdown, mapDirect']);
        sc.requires.push(f);
      }
      return;
    }
    case 'setup': {
      once('setup');
      const pairs = keyValues(rest, 'setup pmem=any|nvdimm|memmap|virtio fs=any|ext4|xfs dax=any|always|inode|never');
      for (const [k, v] of pairs) {
        const allowed = SETUP_VALUES[k];
        if (!allowed) throw new LineError(`unknown setup key "${k}"`, Object.keys(SETUP_VALUES));
        if (!allowed.includes(v)) throw new LineError(`bad ${k} "${v}"`, [...allowed]);
        const setup: GuestSetup = sc.setup;
        if (k === 'pmem') setup.pmem = v as PmemBackend | 'any';
        if (k === 'fs') setup.fs = v as FsType | 'any';
        if (k === 'dax') setup.dax = v as DaxMode | 'any';
      }
      return;
    }
    case 'sysctl': {
      if (sc.steps.length > 0) throw new LineError('setup sysctls come before the first step; use a "PROC: sysctl NAME VALUE" step to change one mid-scenario');
      const pairs = keyValues(rest, 'sysctl NAME=VALUE');
      for (const [k, v] of pairs) {
        if (!SYSCTLS.has(k)) throw new LineError(`unknown sysctl "${k}"`, [...SYSCTLS.keys()]);
        const n = parseInteger(v);
        if (n === undefined) throw new LineError(`bad value "${v}" for ${k}: expected an integer`);
        sc.setup.sysctls.push({ name: k, value: n, line });
      }
      return;
    }
    case 'process': {
      const w = words();
      if (w.length !== 1 || !IDENT.test(w[0]!)) throw new LineError('bad process declaration', ['process NAME']);
      if (sc.processes.length > 0) throw new LineError(`only the initial process is declared; "${w[0]}" must come into being by "${sc.processes[0]!.name}: fork ${w[0]}"`);
      if (sc.steps.length > 0) throw new LineError('the initial process is declared before the first step');
      sc.processes.push({ name: w[0]!, line });
      return;
    }
    default:
      throw new LineError(`unknown directive "${word}"`, DIRECTIVES);
  }
}

function keyValues(rest: Token[], usage: string): [string, string][] {
  const out: [string, string][] = [];
  let i = 0;
  while (i < rest.length) {
    const k = rest[i];
    const eq = rest[i + 1];
    const v = rest[i + 2];
    if (!k || k.kind !== 'word' || !eq || eq.kind !== 'punct' || eq.text !== '=' || !v || v.kind !== 'word') {
      throw new LineError('expected KEY=VALUE pairs', [usage]);
    }
    out.push([k.text, v.text]);
    i += 3;
  }
  if (out.length === 0) throw new LineError('expected KEY=VALUE pairs', [usage]);
  return out;
}

const OP_NAMES = OP_SYNTAXES.map((s) => s.name);

function parseStep(proc: string, toks: Token[], line: number, id: number): Step {
  if (!IDENT.test(proc)) throw new LineError(`bad process name "${proc}"`, ['PROC: STEP with PROC a declared or forked process']);
  // Split off a trailing `expect ...` clause.
  const ex = toks.findIndex((t) => t.kind === 'word' && t.text === 'expect');
  const body = ex >= 0 ? toks.slice(0, ex) : toks;
  const expect = ex >= 0 ? parseExpect(toks.slice(ex + 1)) : undefined;
  // Leading `NAME[, NAME...] =` binding.
  const results: string[] = [];
  let k = 0;
  const eqAt = body.findIndex((t) => t.kind === 'punct' && t.text === '=');
  if (eqAt >= 0) {
    for (; k < eqAt; k++) {
      const t = body[k]!;
      const wantName = (k % 2) === 0;
      if (wantName) {
        if (t.kind !== 'word' || !IDENT.test(t.text)) throw new LineError(`bad result name ${t.kind === 'word' ? `"${t.text}"` : `"${t.text}"`}`, ['NAME = OP ...', 'NAME1, NAME2 = fanotify_read ...']);
        results.push(t.text);
      } else if (t.kind !== 'punct' || t.text !== ',') {
        throw new LineError(`expected "," or "=" after result name, found "${t.text}"`, ['NAME = OP ...']);
      }
    }
    if (eqAt === 0 || (eqAt % 2) === 0) throw new LineError('missing result name before "="', ['NAME = OP ...']);
    k = eqAt + 1;
  }
  const opTok = body[k];
  if (!opTok || opTok.kind !== 'word') throw new LineError('missing operation', OP_NAMES);
  const syn = opSyntax(opTok.text);
  if (!syn) throw new LineError(`unknown operation "${opTok.text}"`, OP_NAMES);
  if (syn.binds === 'none' && results.length > 0) throw new LineError(`${syn.name} does not bind a name`, [syn.usage]);
  if (syn.binds === 'one' && results.length !== 1) throw new LineError(`${syn.name} binds exactly one name`, [syn.usage]);
  if (syn.binds === 'many' && results.length === 0) throw new LineError(`${syn.name} binds one name per expected event`, [syn.usage]);
  try {
    const a = new Args(body.slice(k + 1), syn.usage);
    const op = syn.parse(a, results);
    a.end();
    const step: Step = { id, line, proc, op };
    if (expect) step.expect = expect;
    return step;
  } catch (e) {
    if (e instanceof ArgError) throw new LineError(`${syn.name}: ${e.message}`, e.expected);
    throw e;
  }
}

function parseExpect(toks: Token[]): Expectation {
  const usage = ['expect ret=N', 'expect errno=ENAME', 'expect fd=N', 'expect blocked'];
  const e: Expectation = {};
  let i = 0;
  if (toks.length === 0) throw new LineError('empty expect clause', usage);
  while (i < toks.length) {
    const k = toks[i]!;
    if (k.kind === 'word' && k.text === 'blocked') {
      e.blocked = true;
      i++;
      continue;
    }
    const eq = toks[i + 1];
    const v = toks[i + 2];
    if (k.kind !== 'word' || !eq || eq.kind !== 'punct' || eq.text !== '=' || !v || v.kind !== 'word') {
      throw new LineError(`bad expectation near "${k.text}"`, usage);
    }
    if (k.text === 'ret' || k.text === 'fd') {
      const n = parseInteger(v.text);
      if (n === undefined) throw new LineError(`bad ${k.text} value "${v.text}"`, ['an integer']);
      e.ret = n;
    } else if (k.text === 'errno') {
      const n = v.text === '0' ? 0 : ERRNO.get(v.text);
      if (n === undefined) throw new LineError(`unknown errno "${v.text}"`, ['0', ...ERRNO.keys()]);
      e.errno = n;
    } else {
      throw new LineError(`unknown expectation "${k.text}"`, usage);
    }
    i += 3;
  }
  return e;
}
