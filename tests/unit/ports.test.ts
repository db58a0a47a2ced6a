import net from 'node:net';
import t from 'tap';
import { PortBindError } from '../../harness/errors.js';
import { freePort, isHostFwdClash, withPortRetry } from '../../harness/qemu/ports.js';

t.test('freePort gives a port we can bind on 127.0.0.1', async (t) => {
  const port = await freePort();
  t.ok(port > 0 && port < 65536);
  const srv = net.createServer();
  await new Promise<void>((res, rej) => srv.once('error', rej).listen(port, '127.0.0.1', res));
  await new Promise((r) => srv.close(r));
});

t.test('QEMU 7.2 hostfwd clash message is recognised', async (t) => {
  t.ok(
    isHostFwdClash(
      "qemu-system-x86_64: -nic user,model=virtio-net-pci,restrict=on,hostfwd=tcp:127.0.0.1:10077-:22: Could not set up host forwarding rule 'tcp:127.0.0.1:10077-:22'\n",
    ),
  );
  t.notOk(isHostFwdClash("qemu: could not open kernel file '/nonexist': No such file or directory"));
});

class Clash extends Error {}

t.test('withPortRetry retries clashes with a new port, then gives PortBindError', async (t) => {
  const ports = [5001, 5002, 5003, 5004, 5005];
  const tried: number[] = [];
  const pickPort = async () => ports.shift()!;
  const r = await withPortRetry(
    async (p) => {
      tried.push(p);
      if (tried.length < 3) throw new Clash();
      return `ok on ${p}`;
    },
    { isClash: (e) => e instanceof Clash, pickPort },
  );
  t.equal(r, 'ok on 5003');
  t.strictSame(tried, [5001, 5002, 5003]);

  const err = await withPortRetry(
    async () => {
      throw new Clash();
    },
    { attempts: 2, isClash: (e) => e instanceof Clash, pickPort: async () => 7000 },
  ).catch((e: unknown) => e);
  t.ok(err instanceof PortBindError);
  t.match((err as Error).message, /after 2 attempt/);
});

t.test('other failures are not retried', async (t) => {
  let calls = 0;
  await t.rejects(
    withPortRetry(
      async () => {
        calls++;
        throw new Error('kernel missing');
      },
      { isClash: (e) => e instanceof Clash, pickPort: async () => 7000 },
    ),
    /kernel missing/,
  );
  t.equal(calls, 1);
});
