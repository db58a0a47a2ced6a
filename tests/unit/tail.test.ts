import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import { FileTail } from '../../harness/console/tail.js';

t.test('follows appends, splits nothing, decodes UTF-8 across writes, drains on stop', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vfslab-tail-test-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'console.log');
  fs.writeFileSync(file, 'early\n');
  let got = '';
  const tail = new FileTail(file, (s) => (got += s), 1000);
  t.equal(got, 'early\n', 'existing content read at once');
  const fd = fs.openSync(file, 'a');
  fs.writeSync(fd, 'VFSLAB-STAGE init 2.60\r\n');
  const start = Date.now();
  while (!got.includes('init') && Date.now() - start < 2000) await new Promise((r) => setTimeout(r, 10));
  t.ok(Date.now() - start < 900, `inotify delivers before the 1 s poll (${Date.now() - start} ms)`);
  const euro = Buffer.from('€');
  fs.writeSync(fd, euro.subarray(0, 1));
  tail.drain();
  fs.writeSync(fd, Buffer.concat([euro.subarray(1), Buffer.from('\nlast')]));
  fs.closeSync(fd);
  tail.stop();
  t.equal(got, 'early\nVFSLAB-STAGE init 2.60\r\n€\nlast');
  tail.stop();
});
