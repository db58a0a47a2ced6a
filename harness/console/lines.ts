// Splits a chunked console stream into lines. Serial consoles end lines with
// CRLF, and a chunk may end mid-line (or mid-CRLF): keep the partial tail.
export class LineSplitter {
  private partial = '';

  /** Complete lines in this chunk (without line terminators). */
  push(chunk: string): string[] {
    const text = this.partial + chunk;
    const parts = text.split('\n');
    this.partial = parts.pop() ?? '';
    return parts.map(stripCr);
  }

  /** The unterminated last line, if any; resets the splitter. */
  flush(): string[] {
    const rest = this.partial;
    this.partial = '';
    return rest === '' ? [] : [stripCr(rest)];
  }
}

function stripCr(line: string): string {
  return line.replace(/\r/g, '');
}

/** Kernel console lines start with "[ seconds.micro]" and, with PRINTK_CALLER, "[ T123]". */
const KERNEL_PREFIX = /^\[\s*\d+\.\d+\](?:\[\s*[TC]\d+\])?\s?/;

export function isKernelLine(line: string): boolean {
  return KERNEL_PREFIX.test(line);
}

/** The printk message without its timestamp prefix (userspace lines unchanged). */
export function kernelMessage(line: string): string {
  return line.replace(KERNEL_PREFIX, '');
}
