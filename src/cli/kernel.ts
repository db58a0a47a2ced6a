// vfslab kernel build: a bzImage from Debian's linux-source-6.1 (or a tree)
// with our patch series and config fragment, recorded in images/manifest.json.
import path from 'node:path';
import { buildKernel, FLAVOURS, KernelBuildError } from '../../harness/kernel/build.js';
import { InputError } from '../../harness/errors.js';
import { oneOf, parseCommandArgs } from './options.js';
import { buildRenderer, progress } from './progress.js';

export const kernelUsage = `usage: vfslab kernel build [--tree PATH] [--series FILE|none]
                           [--flavour default|debug] [--name NAME]

Builds a kernel with guest/kconfig/vfslab.config (plus debug.config for the
debug flavour: lockdep, KASAN, list debugging), everything built in, out of
tree under images/build/NAME/, with ccache. The result is cached by (source,
series, config, compiler) and recorded as kernels[NAME] in images/manifest.json,
with the profile features the series' patches declare (Vfslab-Feature: lines).

  --tree PATH     any kernel tree (e.g. a git checkout under bisect); it is
                  only read. Default: Debian's linux-source-6.1 at the version
                  pinned in images/pin.json (downloaded once to images/src/).
  --series FILE   quilt series applied to a copy of the source. Default:
                  guest/patches/series for Debian's source, none for --tree.
  --flavour F     default | debug
  --name NAME     manifest name. Default: patched, or stock-src when the series
                  is empty; with -debug appended for the debug flavour.

Progress goes to stderr: on a terminal one live line (phase, objects compiled,
elapsed time and an ETA from the last full build of the flavour); plain lines
every 15 s when not a TTY or CI=true.

exit: 0 built (or found in the cache); 2 bad input (flag, series, tree);
3 the build failed (the log's path and an excerpt are printed).

examples:
  vfslab kernel build                          # kernels.patched
  vfslab kernel build --series none            # kernels.stock-src
  vfslab kernel build --tree ~/linux --name bisect
  vfslab boot --kernel patched -- uname -r`;

const flags = {
  tree: { type: 'string' },
  series: { type: 'string' },
  flavour: { type: 'string' },
  name: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

async function build(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs('kernel build', argv, flags, true);
  if (values.help) {
    console.log(kernelUsage);
    return 0;
  }
  if (positionals.length) throw new InputError('vfslab kernel build', `unexpected argument '${positionals[0]}'`, '--tree --series --flavour --name');
  const flavour = oneOf('--flavour', values.flavour, FLAVOURS, 'default');
  const log = progress();
  const render = buildRenderer(log);
  try {
    const r = await buildKernel({
      tree: values.tree,
      series: values.series,
      flavour,
      name: values.name,
      log,
      onProgress: render.update,
    });
    render.end();
    const features = Object.keys(r.entry.profile.features);
    console.log(
      `${r.name}: ${r.entry.release} ${path.join('images', r.entry.vmlinuz)}` +
        ` (features: ${features.length ? features.join(', ') : 'none'}${r.reused ? '; cached' : ''})`,
    );
    return 0;
  } catch (e) {
    render.end();
    if (e instanceof KernelBuildError) {
      console.error(`vfslab: ${e.detail()}`);
      return 3;
    }
    throw e;
  }
}

export async function kernelCommand(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === '--help' || sub === '-h' || sub === 'help') {
    console.log(kernelUsage);
    return sub === undefined ? 2 : 0;
  }
  if (sub === 'build') return build(rest);
  throw new InputError('vfslab kernel', `unknown subcommand '${sub}'`, 'build');
}
