// The bisect demonstration on real kernels: eight small patches over Debian's
// linux-source-6.1 (tests/fixtures/bisect/), one of which (0007) changes the
// errno of F_SETLEASE F_RDLCK on a file open for writing. `vfslab
// bisect-series` must name it within ceil(log2 8) + 1 kernel builds, leaving
// the manifest alone. Builds are cached by key, so a rerun only boots.
// Cost (2 shared cores): ~25 s once the three kernels are cached (two boots);
// the first run builds them, ~4 min with a warm ccache, 9-14 min cold.
// Runs when Debian's source is already unpacked (images/src); VFSLAB_BISECT_DEMO=1
// forces it (fetching the source), =0 skips it.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const vfslab = path.join(root, 'bin/vfslab');
const fixtures = path.join(root, 'tests/fixtures/bisect');

const srcDir = path.join(root, 'images/src');
const haveSource = existsSync(srcDir) && readdirSync(srcDir).some((n) => n.startsWith('linux-source-6.1_'));
const want = process.env['VFSLAB_BISECT_DEMO'];
if (want === '0' || (want !== '1' && !haveSource)) {
  t.pass(`skipped: ${want === '0' ? 'VFSLAB_BISECT_DEMO=0' : "Debian's linux-source-6.1 is not unpacked in images/src; VFSLAB_BISECT_DEMO=1 fetches it and runs the demonstration"}`);
} else {
  t.test('bisect-series finds the planted patch within ceil(log2 n) + 1 builds', { timeout: 40 * 60_000 }, async (t) => {
    const t0 = Date.now();
    const r = spawnSync(vfslab, ['bisect-series', path.join(fixtures, 'series'), path.join(fixtures, 'rdlck-wronly.scenario')], {
      encoding: 'utf8',
      timeout: 39 * 60_000,
    });
    const seconds = Math.round((Date.now() - t0) / 1000);
    t.comment(r.stdout.trim());
    t.comment(`bisect-series took ${seconds} s`);
    t.equal(r.status, 0, `exit 0 (stderr tail: ${r.stderr.slice(-1500)})`);
    t.match(r.stdout, /^first patch that changes the outcome \(good -> bad\): 7\/8 0007-locks-return-EBUSY-for-read-lease-on-file-open-for-write\.patch$/m);
    const m = /(\d+) prefixes tested, (\d+) kernel build\(s\)/.exec(r.stdout);
    t.ok(m, 'the number of builds is reported');
    const tested = Number(m?.[1]);
    const n = 8;
    t.ok(tested <= Math.ceil(Math.log2(n)) + 1, `${tested} prefixes tested <= ceil(log2 ${n}) + 1 (so are the builds: ${m?.[2]})`);
    t.match(r.stdout, /prefix +6 good +not rebuilt/, 'prefix 6 (nfsd and Documentation patches) is the same kernel as prefix 4');
    const manifest = JSON.parse(readFileSync(path.join(root, 'images/manifest.json'), 'utf8')) as { kernels: Record<string, unknown> };
    t.notOk(manifest.kernels['bisect-series'], 'bisect builds are not recorded as named kernels');
    const qemu = spawnSync('pgrep', ['-af', 'qemu-system.*vfslab'], { encoding: 'utf8' }).stdout;
    t.comment(`QEMUs running after the test (others' are legitimate): ${qemu.trim() || 'none'}`);
  });
}
