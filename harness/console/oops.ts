// Kernel oops/warning detector for the guest console. The rules are data; the
// scanner is incremental (fed chunks as QEMU writes them) and scanConsole() is
// the same scanner fed the whole text, so both always agree.
import { LineSplitter, kernelMessage } from './lines.js';

export interface OopsRule {
  name: string;
  /** Tested against the printk message (timestamp stripped), anchored by the rule itself. */
  regex: RegExp;
}

// Order matters: the first matching rule names the finding, so specific rules
// come before the generic "BUG:". Anchoring at the start of the message keeps
// userspace lines such as "modprobe: WARNING: ..." or "traps: ... general
// protection fault ip:..." (a userspace segfault) from matching.
export const OOPS_RULES: readonly OopsRule[] = [
  { name: 'kasan', regex: /^(?:BUG: )?KASAN: / },
  { name: 'soft-lockup', regex: /^(?:[\w ]+: )?BUG: soft lockup\b/ },
  { name: 'hard-lockup', regex: /^(?:[\w ]+: )?Watchdog detected hard LOCKUP/ },
  { name: 'hung-task', regex: /^INFO: task \S.* blocked for more than \d+ seconds/ },
  { name: 'rcu-stall', regex: /^(?:rcu: )?(?:INFO: rcu_(?:sched|preempt|bh)\b.*detected stalls?\b|RCU stall\b)/ },
  { name: 'kernel-panic', regex: /^Kernel panic - / },
  { name: 'general-protection-fault', regex: /^general protection fault\b/ },
  { name: 'oops', regex: /^(?:Internal error: )?Oops\b|^(?:invalid opcode|stack segment|double fault): [0-9a-f]{4} \[#\d+\]/ },
  { name: 'bug', regex: /^(?:BUG: |kernel BUG at )/ },
  { name: 'warning', regex: /^WARNING: / },
];

export interface OopsFinding {
  /** Rule of the first matching line. */
  rule: string;
  /** Rules of further matches inside the same trace (e.g. "oops" after "bug"). */
  also: string[];
  /** 1-based line number of the first match, and that line. */
  line: number;
  text: string;
  /** 1-based inclusive range of the excerpt. */
  startLine: number;
  endLine: number;
  excerpt: string;
}

export interface OopsScannerOptions {
  rules?: readonly OopsRule[];
  /** Called once per finding, when its excerpt is complete. */
  onFinding?: (f: OopsFinding) => void;
  /** Lines kept before a match, and the most kept after it. */
  before?: number;
  maxAfter?: number;
}

/**
 * A trace is printed in one burst; a kernel line stamped this much later than
 * the previous one belongs to a different event (seconds).
 */
const TRACE_GAP_S = 0.5;

interface Pending {
  rule: string;
  also: string[];
  line: number;
  text: string;
  startLine: number;
  lines: string[];
  /** A "</TASK>"/"</IRQ>" was seen: only trace continuations extend the excerpt now. */
  stackClosed: boolean;
  /** printk timestamp of the last kernel line taken into the excerpt. */
  lastTs: number | undefined;
}

// Lines that continue a trace after a stack dump closed: more CPUs' backtraces,
// register dumps, RCU stall details. Anything else ends the excerpt.
// KASAN-style reports (allocation/free stacks, memory dump) continue the same way.
const TRACE_CONTINUATION =
  /^(?:$|\s|<|>|=|---\[|Call Trace:|CPU: |Hardware name:|RIP:|RSP:|RAX:|RDX:|RBP:|R\d+:|FS:|CS:|CR2:|DR\d:|Code:|Modules linked in:|Workqueue:|task:|NMI backtrace|Sending NMI|Kernel Offset:|PKRU:|rcu:|irq event stamp:|hardirqs|softirqs|Allocated by task|Freed by task|Last potentially related|Second to last potentially|The buggy address|Memory state around|ffff[0-9a-f]+: )/;

export class OopsScanner {
  private readonly rules: readonly OopsRule[];
  private readonly onFinding?: (f: OopsFinding) => void;
  private readonly before: number;
  private readonly maxAfter: number;
  private readonly splitter = new LineSplitter();
  private lineNo = 0;
  /** Last few lines not part of any finding, for context before a match. */
  private recent: Array<{ n: number; text: string }> = [];
  private pending: Pending | undefined;
  private readonly done: OopsFinding[] = [];

  constructor(opts: OopsScannerOptions = {}) {
    this.rules = opts.rules ?? OOPS_RULES;
    this.onFinding = opts.onFinding;
    this.before = opts.before ?? 2;
    this.maxAfter = opts.maxAfter ?? 100;
  }

  push(chunk: string): void {
    for (const line of this.splitter.push(chunk)) this.line(line);
  }

  /** End of input: the unterminated last line counts, and an open excerpt closes. */
  end(): OopsFinding[] {
    for (const line of this.splitter.flush()) this.line(line);
    if (this.pending) this.finish(this.lineNo);
    return [...this.done];
  }

  /** Completed findings plus the one still collecting its excerpt. */
  findings(): OopsFinding[] {
    return this.pending ? [...this.done, toFinding(this.pending, this.lineNo)] : [...this.done];
  }

  private match(line: string): string | undefined {
    const msg = kernelMessage(line);
    return this.rules.find((r) => r.regex.test(msg))?.name;
  }

  private line(text: string): void {
    const n = ++this.lineNo;
    const rule = this.match(text);
    const p = this.pending;
    if (p) {
      const msg = kernelMessage(text);
      const ts = timestamp(text);
      const gap = ts !== undefined && p.lastTs !== undefined && ts - p.lastTs > TRACE_GAP_S;
      // A panic is always its own finding: it ends the guest, whatever came before.
      if (gap || rule === 'kernel-panic' || (p.stackClosed && !TRACE_CONTINUATION.test(msg))) {
        // The trace ended on the previous line; this line is new material.
        this.finish(n - 1);
        this.afterFinish(n, text, rule);
        return;
      }
      if (ts !== undefined) p.lastTs = ts;
      p.lines.push(text);
      if (rule && rule !== p.rule && !p.also.includes(rule)) p.also.push(rule);
      // "---[ end trace" closes oopses/warnings; a "=====" rule closes KASAN-style reports.
      if (/^---\[ end /.test(msg) || /^={20,}$/.test(msg)) this.finish(n);
      else if (/^\s*<\/(?:TASK|IRQ)>\s*$/.test(msg)) p.stackClosed = true;
      else if (n - p.line >= this.maxAfter) this.finish(n);
      return;
    }
    this.afterFinish(n, text, rule);
  }

  private afterFinish(n: number, text: string, rule: string | undefined): void {
    if (rule) {
      const ctx = this.recent.slice(-this.before);
      this.pending = {
        rule,
        also: [],
        line: n,
        text,
        startLine: ctx[0]?.n ?? n,
        lines: [...ctx.map((c) => c.text), text],
        stackClosed: false,
        lastTs: timestamp(text),
      };
      this.recent = [];
      return;
    }
    this.recent.push({ n, text });
    if (this.recent.length > this.before) this.recent.shift();
  }

  private finish(endLine: number): void {
    const p = this.pending;
    if (!p) return;
    this.pending = undefined;
    const f = toFinding(p, endLine);
    this.done.push(f);
    this.onFinding?.(f);
  }
}

function timestamp(line: string): number | undefined {
  const m = /^\[\s*(\d+\.\d+)\]/.exec(line);
  return m ? Number(m[1]) : undefined;
}

function toFinding(p: Pending, endLine: number): OopsFinding {
  const lines = p.lines.slice(0, endLine - p.startLine + 1);
  return {
    rule: p.rule,
    also: [...p.also],
    line: p.line,
    text: p.text,
    startLine: p.startLine,
    endLine: p.startLine + lines.length - 1,
    excerpt: lines.join('\n'),
  };
}

export function scanConsole(text: string, rules: readonly OopsRule[] = OOPS_RULES): OopsFinding[] {
  const s = new OopsScanner({ rules });
  s.push(text);
  return s.end();
}
