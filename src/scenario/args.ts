// Reads the arguments of one step, token by token, with errors that say what
// was expected. Used by src/scenario/ops.ts.

import type { DirRef, FdRef, WriteData } from './ast.js';
import type { Token } from './lex.js';
import { lookupSignal, type NameTable } from './flags.js';

/** A parse failure on the current line; `expected` lists the valid forms. */
export class ArgError extends Error {
  constructor(message: string, readonly expected: string[] = []) {
    super(message);
  }
}

export const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Integer literal: decimal, 0x hex, 0-prefixed octal, optional k/m suffix (KiB, MiB). */
export function parseInteger(text: string): number | undefined {
  const m = /^(-?)(0x[0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)([kKmM]?)$/.exec(text);
  if (!m) return undefined;
  const body = m[2]!;
  let v = body.startsWith('0x') || body.startsWith('0X') ? parseInt(body.slice(2), 16) : body.length > 1 && body.startsWith('0') ? parseInt(body.slice(1), 8) : Number(body);
  if (m[3] === 'k' || m[3] === 'K') v *= 1024;
  if (m[3] === 'm' || m[3] === 'M') v *= 1024 * 1024;
  if (!Number.isSafeInteger(v)) return undefined;
  return m[1] === '-' ? -v : v;
}

export function parseDuration(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)(ms|s)$/.exec(text);
  if (!m) return undefined;
  const v = Number(m[1]) * (m[2] === 's' ? 1000 : 1);
  return Number.isFinite(v) ? Math.round(v) : undefined;
}

function show(t: Token | undefined): string {
  if (!t) return 'end of line';
  return t.kind === 'string' ? `"${t.text}"` : `"${t.text}"`;
}

export class Args {
  private i = 0;
  constructor(private readonly toks: Token[], readonly usage: string) {}

  private fail(what: string, expected: string[] = [this.usage]): never {
    throw new ArgError(what, expected);
  }

  peek(): Token | undefined {
    return this.toks[this.i];
  }

  atEnd(): boolean {
    return this.i >= this.toks.length;
  }

  end(): void {
    if (!this.atEnd()) this.fail(`unexpected ${show(this.peek())} after the arguments`);
  }

  word(what: string): string {
    const t = this.toks[this.i];
    if (!t || t.kind !== 'word') this.fail(`missing ${what}, found ${show(t)}`);
    this.i++;
    return t.text;
  }

  ident(what: string): string {
    const w = this.word(what);
    if (!IDENT.test(w)) this.fail(`bad ${what} "${w}": names are letters, digits and _ , not starting with a digit`);
    return w;
  }

  int(what: string, min = -Infinity): number {
    const t = this.toks[this.i];
    const v = t && t.kind === 'word' ? parseInteger(t.text) : undefined;
    if (v === undefined) this.fail(`bad ${what} ${show(t)}: expected an integer (decimal, 0x.., 0.. octal, k/m suffix)`);
    if (v < min) this.fail(`bad ${what} ${v}: must be >= ${min}`);
    this.i++;
    return v;
  }

  path(): string {
    const t = this.toks[this.i];
    if (!t || t.kind === 'punct') this.fail(`missing path, found ${show(t)}`);
    this.i++;
    return t.text;
  }

  fd(): FdRef {
    const t = this.toks[this.i];
    if (!t || t.kind !== 'word') this.fail(`missing fd, found ${show(t)}`, ['an fd name (f1)', 'stale:NAME', 'a number (5)']);
    this.i++;
    const n = parseInteger(t.text);
    if (n !== undefined) {
      if (n < 0) this.fail(`bad fd ${n}: fd numbers are >= 0`);
      return { kind: 'num', num: n };
    }
    const stale = /^stale:(.*)$/.exec(t.text);
    const name = stale ? stale[1]! : t.text;
    if (!IDENT.test(name)) this.fail(`bad fd "${t.text}"`, ['an fd name (f1)', 'stale:NAME', 'a number (5)']);
    return stale ? { kind: 'name', name, stale: true } : { kind: 'name', name };
  }

  dir(): DirRef {
    const t = this.toks[this.i];
    if (t && t.kind === 'word' && t.text === 'AT_FDCWD') {
      this.i++;
      return { kind: 'cwd' };
    }
    return { kind: 'fd', fd: this.fd() };
  }

  /** `A|B|0x10` against one or more name tables. */
  flags(what: string, ...tables: NameTable[]): number {
    const t = this.toks[this.i];
    if (!t || t.kind !== 'word') this.fail(`missing ${what}, found ${show(t)}`, [namesOf(tables)]);
    this.i++;
    return parseFlags(t.text, what, tables);
  }

  /** One name from a table, or an integer. */
  named(what: string, table: NameTable): number {
    const t = this.toks[this.i];
    if (!t || t.kind !== 'word') this.fail(`missing ${what}, found ${show(t)}`, [namesOf([table])]);
    this.i++;
    const v = table.get(t.text) ?? parseInteger(t.text);
    if (v === undefined) this.fail(`unknown ${what} "${t.text}"`, [namesOf([table])]);
    return v;
  }

  signal(): number {
    const t = this.toks[this.i];
    const v = t && t.kind === 'word' ? lookupSignal(t.text) : undefined;
    if (v === undefined) this.fail(`bad signal ${show(t)}`, ['SIGIO', 'SIGURG', 'SIGUSR1', 'SIGRTMIN', 'SIGRTMIN+N', 'SIGRTMAX-N', 'a number 0..64']);
    this.i++;
    return v;
  }

  duration(): number {
    const t = this.toks[this.i];
    const v = t && t.kind === 'word' ? parseDuration(t.text) : undefined;
    if (v === undefined) this.fail(`bad duration ${show(t)}`, ['NNNms', 'N.Ns']);
    this.i++;
    return v;
  }

  /** Either "text" or `fill BYTE COUNT`. */
  data(): WriteData {
    const t = this.toks[this.i];
    if (t && t.kind === 'string') {
      this.i++;
      return { kind: 'text', text: t.text };
    }
    if (t && t.kind === 'word' && t.text === 'fill') {
      this.i++;
      const byte = this.int('fill byte', 0);
      if (byte > 255) this.fail(`bad fill byte ${byte}: must be 0..255`);
      return { kind: 'fill', byte, count: this.int('fill count', 0) };
    }
    return this.fail(`missing data, found ${show(t)}`, ['"text"', 'fill BYTE COUNT']);
  }

  isWord(text: string): boolean {
    const t = this.toks[this.i];
    return !!t && t.kind === 'word' && t.text === text;
  }

  skip(): void {
    this.i++;
  }
}

export function namesOf(tables: NameTable[]): string {
  return tables.flatMap((t) => [...t.keys()]).join(', ');
}

export function parseFlags(text: string, what: string, tables: NameTable[]): number {
  let v = 0;
  for (const part of text.split('|')) {
    let x: number | undefined;
    for (const t of tables) {
      x = t.get(part);
      if (x !== undefined) break;
    }
    x ??= parseInteger(part);
    if (x === undefined || x < 0) throw new ArgError(`unknown ${what} "${part}"`, [namesOf(tables) + ' (joined with |)']);
    v = (v | x) >>> 0;
  }
  return v;
}
