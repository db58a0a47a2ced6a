// Splits one scenario line into tokens: bare words, "quoted strings" (with
// \n \t \\ \" \xHH escapes) and the punctuation `,` `=`. `#` outside a string
// starts a comment.

export type Token =
  | { kind: 'word'; text: string; col: number }
  | { kind: 'string'; text: string; col: number }
  | { kind: 'punct'; text: ',' | '='; col: number };

export class LexError extends Error {}

export function lexLine(line: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < line.length) {
    const c = line[i]!;
    if (c === ' ' || c === '\t' || c === '\r') {
      i++;
    } else if (c === '#') {
      break;
    } else if (c === '"') {
      const start = i;
      let text = '';
      i++;
      for (;;) {
        if (i >= line.length) throw new LexError(`unterminated string starting at column ${start + 1}`);
        const d = line[i]!;
        if (d === '"') {
          i++;
          break;
        }
        if (d === '\\') {
          const e = line[i + 1];
          if (e === 'n') text += '\n';
          else if (e === 't') text += '\t';
          else if (e === '\\') text += '\\';
          else if (e === '"') text += '"';
          else if (e === '0') text += '\0';
          else if (e === 'x' && /^[0-9a-fA-F]{2}$/.test(line.slice(i + 2, i + 4))) {
            text += String.fromCharCode(parseInt(line.slice(i + 2, i + 4), 16));
            i += 2;
          } else throw new LexError(`bad escape "\\${e ?? ''}" in string; expected one of \\n \\t \\\\ \\" \\0 \\xHH`);
          i += 2;
          continue;
        }
        const code = d.charCodeAt(0);
        if (code > 0xff) throw new LexError(`character "${d}" in string is not a single byte; use \\xHH escapes`);
        text += d;
        i++;
      }
      out.push({ kind: 'string', text, col: start + 1 });
    } else if (c === ',' || c === '=') {
      out.push({ kind: 'punct', text: c, col: i + 1 });
      i++;
    } else {
      const start = i;
      while (i < line.length && !' \t\r#",='.includes(line[i]!)) i++;
      out.push({ kind: 'word', text: line.slice(start, i), col: start + 1 });
    }
  }
  return out;
}
