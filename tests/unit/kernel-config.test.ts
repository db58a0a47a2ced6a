import t from 'tap';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import {
  ConfigDroppedError,
  FragmentSyntaxError,
  droppedOptions,
  mergeFragments,
  parseDotConfig,
  parseFragment,
} from '../../harness/kernel/config.js';

t.test('fragment parsing: values, "is not set", comments; errors name file:line', async (t) => {
  const f = parseFragment('# c\nCONFIG_A=y\n\n# CONFIG_B is not set\nCONFIG_C="x y"\nCONFIG_D=-1\n', 'f.config');
  t.same(
    f.map((l) => [l.option, l.value, l.line]),
    [
      ['CONFIG_A', 'y', 2],
      ['CONFIG_B', 'n', 4],
      ['CONFIG_C', '"x y"', 5],
      ['CONFIG_D', '-1', 6],
    ],
  );
  t.throws(() => parseFragment('CONFIG_A=y\nA=y\n', 'f.config'), { message: /^f\.config:2: cannot parse 'A=y'/ });
  t.throws(() => parseFragment('CONFIG_A=\n', 'f.config'), FragmentSyntaxError);
  t.throws(() => parseFragment('CONFIG_A=y\nCONFIG_A=n\n', 'f.config'), { message: /already set on line 1/ });
});

t.test('merge: later fragments override earlier ones', async (t) => {
  const a = { file: 'a', lines: parseFragment('CONFIG_A=y\nCONFIG_B=y\n', 'a') };
  const b = { file: 'b', lines: parseFragment('# CONFIG_B is not set\nCONFIG_C=y\n', 'b') };
  const m = mergeFragments([a, b]);
  t.equal(m.text, 'CONFIG_A=y\n# CONFIG_B is not set\nCONFIG_C=y\n');
  t.same(
    m.wanted.map((w) => [w.option, w.value, w.file]),
    [
      ['CONFIG_A', 'y', 'a'],
      ['CONFIG_B', 'n', 'b'],
      ['CONFIG_C', 'y', 'b'],
    ],
  );
});

t.test('dropped options: every requested value must survive into .config', async (t) => {
  const wanted = mergeFragments([
    { file: 'v.config', lines: parseFragment('CONFIG_A=y\nCONFIG_ZONE_DEVICE=y\n# CONFIG_X is not set\n# CONFIG_Y is not set\nCONFIG_S="-vfslab"\n', 'v.config') },
  ]).wanted;
  const final = parseDotConfig('CONFIG_A=y\n# CONFIG_ZONE_DEVICE is not set\nCONFIG_Y=y\nCONFIG_S="-vfslab"\n');
  const d = droppedOptions(wanted, final);
  t.same(
    d.map((x) => [x.option, x.wanted, x.got, x.line]),
    [
      ['CONFIG_ZONE_DEVICE', 'y', 'n', 2],
      ['CONFIG_Y', 'n', 'y', 4],
    ],
    'absent counts as not set; a set option that should not be is dropped too',
  );
  const e = new ConfigDroppedError(d, 'obj/.config');
  t.equal(e.exitCode, 2);
  t.match(e.message, /2 option\(s\) of the fragment did not survive into obj\/\.config/);
  t.match(e.message, /v\.config:2: CONFIG_ZONE_DEVICE: fragment y, \.config not set\n/);
  t.match(e.message, /v\.config:4: CONFIG_Y: fragment not set, \.config y\n/);
  t.same(droppedOptions(wanted.slice(0, 1), final), []);
});

t.test('the project fragments parse, and debug only adds to the base', async (t) => {
  const dir = path.join(import.meta.dirname, '..', '..', 'guest', 'kconfig');
  const base = parseFragment(await readFile(path.join(dir, 'vfslab.config'), 'utf8'), 'vfslab.config');
  const debug = parseFragment(await readFile(path.join(dir, 'debug.config'), 'utf8'), 'debug.config');
  const opts = new Map(base.map((l) => [l.option, l.value]));
  for (const o of ['CONFIG_FANOTIFY_ACCESS_PERMISSIONS', 'CONFIG_FILE_LOCKING', 'CONFIG_FS_DAX', 'CONFIG_ZONE_DEVICE', 'CONFIG_BLK_DEV_PMEM', 'CONFIG_ACPI_NFIT', 'CONFIG_X86_PMEM_LEGACY', 'CONFIG_VIRTIO_PMEM', 'CONFIG_VIRTIO_NET', 'CONFIG_SERIAL_8250_CONSOLE', 'CONFIG_EXT4_FS', 'CONFIG_XFS_FS']) {
    t.equal(opts.get(o), 'y', o);
  }
  t.notOk([...opts.values()].includes('m'), 'everything built in: no =m');
  t.notOk(debug.some((l) => opts.has(l.option) && opts.get(l.option) !== l.value), 'debug does not contradict the base');
});
