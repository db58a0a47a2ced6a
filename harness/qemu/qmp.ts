// A minimal QMP client: enough to ask a hung guest what its CPU is doing
// (human monitor commands) before it is killed.
import net from 'node:net';

/** Runs human monitor commands over QMP; resolves with their outputs, or rejects on timeout. */
export function qmpHumanCommands(socket: string, commands: readonly string[], timeoutMs = 3000): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const conn = net.createConnection(socket);
    const out: string[] = [];
    let buf = '';
    let sent = 0;
    const timer = setTimeout(() => finish(new Error(`QMP on ${socket}: no answer within ${timeoutMs} ms`)), timeoutMs);
    function finish(err?: Error): void {
      clearTimeout(timer);
      conn.destroy();
      if (err) reject(err);
      else resolve(out);
    }
    const send = (o: unknown): void => void conn.write(JSON.stringify(o) + '\n');
    conn.on('error', (e) => finish(e));
    conn.on('data', (d) => {
      buf += d.toString('utf8');
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl).trim();
        buf = buf.slice(nl + 1);
        if (!line) continue;
        const msg = JSON.parse(line) as { QMP?: unknown; return?: unknown; error?: { desc?: string }; event?: string };
        if (msg.event) continue;
        if (msg.QMP) send({ execute: 'qmp_capabilities' });
        else if (msg.error) return finish(new Error(`QMP: ${msg.error.desc ?? 'error'}`));
        else if ('return' in msg) {
          // The first return answers qmp_capabilities; the rest answer our commands in order.
          if (sent > 0) out.push(typeof msg.return === 'string' ? msg.return : JSON.stringify(msg.return));
          if (sent === commands.length) return finish();
          send({ execute: 'human-monitor-command', arguments: { 'command-line': commands[sent++] } });
        }
      }
    });
  });
}
