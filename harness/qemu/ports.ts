// A free 127.0.0.1 port for QEMU's SSH forward. Probing and QEMU binding are
// not atomic, so the launcher retries on a hostfwd clash (withPortRetry).
import net from 'node:net';
import { PortBindError } from '../errors.js';

export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.once('error', (e) => reject(new PortBindError(1, `probe listen on ${host}: ${e.message}`)));
    srv.listen(0, host, () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => (port ? resolve(port) : reject(new PortBindError(1, 'probe got no port'))));
    });
  });
}

/** QEMU 7.2: "Could not set up host forwarding rule 'tcp:127.0.0.1:N-:22'". */
export function isHostFwdClash(qemuStderr: string): boolean {
  return /could not set up host forwarding rule/i.test(qemuStderr);
}

export interface PortRetryOptions {
  attempts?: number;
  /** True when the attempt failed because the port was taken meanwhile. */
  isClash: (err: unknown) => boolean;
  pickPort?: () => Promise<number>;
}

export async function withPortRetry<T>(attempt: (port: number) => Promise<T>, opts: PortRetryOptions): Promise<T> {
  const attempts = opts.attempts ?? 4;
  const pick = opts.pickPort ?? (() => freePort());
  const tried: number[] = [];
  for (let i = 0; i < attempts; i++) {
    const port = await pick();
    tried.push(port);
    try {
      return await attempt(port);
    } catch (err) {
      if (!opts.isClash(err)) throw err;
    }
  }
  throw new PortBindError(attempts, `ports ${tried.join(', ')} were taken when QEMU tried to bind them`);
}
