import t from 'tap';
import ssh2 from 'ssh2';
import { generateClientKey, hostKeyFromMarker, hostKeyMatches } from '../../harness/ssh/keys.js';

t.test('client key: ed25519, authorized_keys line base64-encoded whole', async (t) => {
  const k = generateClientKey('vfslab-test');
  t.match(k.publicLine, /^ssh-ed25519 AAAAC3NzaC1lZDI1NTE5\S+ vfslab-test$/);
  t.equal(Buffer.from(k.authorizedKeyB64, 'base64').toString(), `${k.publicLine}\n`);
  t.match(k.authorizedKeyB64, /^[A-Za-z0-9+/]+=*$/, 'safe on a kernel command line');
  const parsed = ssh2.utils.parseKey(k.privateKey);
  t.notOk(parsed instanceof Error, 'private key parses');
  t.not(generateClientKey().publicLine, k.publicLine, 'a new key per run');
});

t.test('host key pinning compares whole key blobs', async (t) => {
  const a = generateClientKey().publicLine.split(' ');
  const b = generateClientKey().publicLine.split(' ');
  const pinned = hostKeyFromMarker(a[0]!, a[1]!);
  t.ok(hostKeyMatches(pinned, Buffer.from(a[1]!, 'base64')));
  t.notOk(hostKeyMatches(pinned, Buffer.from(b[1]!, 'base64')));
  t.notOk(hostKeyMatches(pinned, Buffer.from(a[1]!, 'base64').subarray(0, 20)));
});

t.test('every generated key parses (ssh2 mangles 1 in 256 ed25519 keys)', async (t) => {
  let bad = 0;
  for (let i = 0; i < 2000; i++) if (ssh2.utils.parseKey(generateClientKey().privateKey) instanceof Error) bad++;
  t.equal(bad, 0);
});
