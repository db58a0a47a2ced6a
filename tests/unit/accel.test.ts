import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import { InputError } from '../../harness/errors.js';
import {
  accelCacheKey,
  planAccel,
  resolveAccel,
  verdictFromCanary,
  type CanaryResult,
  type HostFacts,
} from '../../harness/qemu/accel.js';

const facts: HostFacts = { hostname: 'vm', qemuVersion: 'QEMU emulator version 7.2.22', hostKernel: '6.18.44', kernelId: '/k:14184960:1' };

t.test('planAccel: explicit choices, no KVM, cache, else canary', async (t) => {
  t.equal(planAccel('tcg', true, 'kvm') !== 'canary' && (planAccel('tcg', true, 'kvm') as { accel: string }).accel, 'tcg');
  t.match(planAccel('kvm', true, undefined), { accel: 'kvm', source: 'requested' });
  t.throws(() => planAccel('kvm', false, undefined), InputError, '--accel kvm without /dev/kvm is an input error');
  t.match(planAccel('auto', false, 'kvm'), { accel: 'tcg', source: 'no-kvm' }, 'no usable /dev/kvm beats a cached kvm');
  t.match(planAccel('auto', true, 'tcg'), { accel: 'tcg', source: 'cache' });
  t.match(planAccel('auto', true, 'kvm'), { accel: 'kvm', source: 'cache' });
  t.equal(planAccel('auto', true, undefined), 'canary');
});

t.test('verdictFromCanary: KVM only if the kernel printed', async (t) => {
  t.match(verdictFromCanary({ printed: true, elapsedMs: 180, detail: 'kernel printed' }), { accel: 'kvm', source: 'canary' });
  t.match(verdictFromCanary({ printed: false, elapsedMs: 4001, detail: 'no kernel output within 4000 ms' }), {
    accel: 'tcg',
    reason: /no kernel output/,
  });
  t.match(verdictFromCanary({ printed: false, elapsedMs: 20, detail: 'QEMU exited (1) Could not access KVM' }), { accel: 'tcg' });
});

t.test('cache key changes with any host fact', async (t) => {
  const k = accelCacheKey(facts);
  t.equal(accelCacheKey({ ...facts }), k);
  for (const field of Object.keys(facts) as Array<keyof HostFacts>) {
    t.not(accelCacheKey({ ...facts, [field]: facts[field] + 'x' }), k, field);
  }
});

t.test('resolveAccel runs the canary once per key and caches the verdict', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vfslab-accel-test-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const cacheFile = path.join(dir, 'sub', 'accel.json');
  let canaries = 0;
  let result: CanaryResult = { printed: false, elapsedMs: 4000, detail: 'no kernel output within 4000 ms' };
  let hostFacts = facts;
  const opts = {
    qemu: 'qemu-system-x86_64',
    kernel: '/k',
    cacheFile,
    isKvmUsable: () => true,
    facts: () => hostFacts,
    canary: async () => {
      canaries++;
      return result;
    },
  };
  t.match(await resolveAccel('auto', opts), { accel: 'tcg', source: 'canary' });
  t.equal(canaries, 1);
  result = { printed: true, elapsedMs: 100, detail: 'kernel printed' };
  t.match(await resolveAccel('auto', opts), { accel: 'tcg', source: 'cache' }, 'cached: no second canary');
  t.equal(canaries, 1);
  hostFacts = { ...facts, qemuVersion: 'QEMU emulator version 8.2.0' };
  t.match(await resolveAccel('auto', opts), { accel: 'kvm', source: 'canary' }, 'a new QEMU re-runs the canary');
  t.equal(canaries, 2);
  t.equal(Object.keys(JSON.parse(fs.readFileSync(cacheFile, 'utf8'))).length, 2, 'both verdicts kept');
  t.match(await resolveAccel('tcg', opts), { source: 'requested' });
  t.match(await resolveAccel('auto', { ...opts, isKvmUsable: () => false }), { accel: 'tcg', source: 'no-kvm' });
  t.equal(canaries, 2, 'no canary for explicit tcg or without /dev/kvm');
  await t.rejects(resolveAccel('hvf' as never, opts), InputError);
});

t.test('a corrupt cache file is ignored and rewritten', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vfslab-accel-test-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const cacheFile = path.join(dir, 'accel.json');
  fs.writeFileSync(cacheFile, '{not json');
  const v = await resolveAccel('auto', {
    qemu: 'q',
    kernel: '/k',
    cacheFile,
    isKvmUsable: () => true,
    facts: () => facts,
    canary: async () => ({ printed: true, elapsedMs: 1, detail: 'kernel printed' }),
  });
  t.equal(v.accel, 'kvm');
  t.equal(Object.values(JSON.parse(fs.readFileSync(cacheFile, 'utf8'))).length, 1);
});
