// Parser for the VFSLAB-* console markers of docs/guest-contract.md.

export type Marker =
  | { kind: 'stage'; name: string; uptime: number }
  | { kind: 'hostkey'; keyType: string; base64: string }
  | { kind: 'ready'; uptime: number }
  | { kind: 'init-failed'; reason: string };

// A marker normally fills its line, but kernel printk output can land on the
// same console line before it, so the marker is looked for at a word start
// anywhere in the line; the payload formats are strict.
const MARKER = /(?:^|[\s\]])VFSLAB-(STAGE|HOSTKEY|READY|INIT-FAILED)(?: (.*))?$/;
const UPTIME = /^\d+(?:\.\d+)?$/;

export function parseMarker(line: string): Marker | null {
  const m = MARKER.exec(line.replace(/\r/g, '').trimEnd());
  if (!m) return null;
  const args = (m[2] ?? '').trim();
  switch (m[1]) {
    case 'STAGE': {
      const [name, up, ...rest] = args.split(/\s+/);
      if (!name || !up || rest.length || !UPTIME.test(up)) return null;
      return { kind: 'stage', name, uptime: Number(up) };
    }
    case 'HOSTKEY': {
      const [keyType, b64, ...rest] = args.split(/\s+/);
      if (!keyType || !b64 || rest.length || !/^[A-Za-z0-9+/]+=*$/.test(b64)) return null;
      return { kind: 'hostkey', keyType, base64: b64 };
    }
    case 'READY':
      return UPTIME.test(args) ? { kind: 'ready', uptime: Number(args) } : null;
    case 'INIT-FAILED':
      return { kind: 'init-failed', reason: args || '(no reason given)' };
  }
  return null;
}
