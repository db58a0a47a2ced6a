// vfslab kernel build: a bzImage from Debian's linux-source-6.1 (or a tree)
// with our patch series and config fragment, recorded in images/manifest.json.
import path from 'node:path';
import { buildKernel, FLAVOURS, KernelBuildError } from '../../harness/kernel/build.js';
import { formatProgress, type BuildProgress } from '../../harness/kernel/progress.js';
import { InputError } from '../../harness/errors.js';
import { oneOf, parseCommandArgs } from './options.js';
import { progress } from './progress.js';

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

/** One status line rewritten in place on a terminal; a plain line every 15 s otherwise (CI logs). */
function progressRenderer(log: (s: string) => void): { update: (p: BuildProgress) => void; end: () => void } {
  const tty = process.stderr.isTTY === true && process.env['CI'] !== 'true';
  let lastPlain = 0;
  let shown = false;
  return {
    update(p) {
      if (tty) {
        const line = formatProgress(p).slice(0, (process.stderr.columns ?? 100) - 1);
        process.stderr.write(`\r\x1b[K${line}`);
        shown = true;
      } else if (p.elapsedMs - lastPlain >= 15000 || p.phase === 'done') {
        lastPlain = p.elapsedMs;
        log(formatProgress(p));
      }
    },
    end() {
      if (tty && shown) process.stderr.write('\r\x1b[K');
    },
  };
}

async function build(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs('kernel build', argv, flags, true);
  if (values.help) {
    console.log(kernelUsage);
    return 0;
  }
  if (positionals.length) throw new InputError('vfslab kernel build', `unexpected argument '${positionals[0]}'`, '--tree --series --flavour --name');
  const flavour = oneOf('--flavour', values.flavour, FLAVOURS, 'default');
  const log = progress();
  const render = progressRenderer(log);
  try {
    const r = await buildKernel({
      tree: values.tree,
      series: values.series,
      flavour,
      name: values.name,
      log: (s) => {
        render.end();
        log(s);
      },
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
