// The init's module table (a sourced shell fragment): one variable per module, dependencies first, paths as
// the guest sees them (relative to the unpacked kernel's root).
import t from 'tap';
import { moduleLoadTable } from '../../harness/image/contents.js';

t.test('each module with its files in load order, guest paths', async (t) => {
  const root = '/work/images/kernels/stock';
  const m = `${root}/lib/modules/6.1.0/kernel`;
  const order = new Map<string, string[]>([
    ['nd_pmem', [`${m}/drivers/nvdimm/libnvdimm.ko`, `${m}/drivers/nvdimm/nd_pmem.ko`]],
    ['xfs', [`${m}/lib/libcrc32c.ko`, `${m}/fs/xfs/xfs.ko`]],
    ['builtin_only', []],
  ]);
  t.equal(
    moduleLoadTable(order, root),
    [
      "mod_nd_pmem='/lib/modules/6.1.0/kernel/drivers/nvdimm/libnvdimm.ko /lib/modules/6.1.0/kernel/drivers/nvdimm/nd_pmem.ko'",
      "mod_xfs='/lib/modules/6.1.0/kernel/lib/libcrc32c.ko /lib/modules/6.1.0/kernel/fs/xfs/xfs.ko'",
      "mod_builtin_only=''",
      '',
    ].join('\n'),
  );
});

t.test('a name or path the shell would misread is refused', async (t) => {
  t.throws(() => moduleLoadTable(new Map([['bad-name', []]]), '/r'));
  t.throws(() => moduleLoadTable(new Map([['ok', ["/r/lib/it's.ko"]]]), '/r'));
});
