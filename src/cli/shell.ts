// An interactive shell in the guest for `vfslab boot` with no command.
import type { Guest } from '../../harness/guest.js';

export async function interactiveShell(guest: Guest): Promise<number> {
  const stdin = process.stdin;
  const channel = await guest.shell({ rows: process.stdout.rows ?? 24, cols: process.stdout.columns ?? 80, term: process.env['TERM'] ?? 'xterm' });
  stdin.setRawMode?.(true);
  stdin.pipe(channel);
  channel.pipe(process.stdout);
  channel.stderr.pipe(process.stderr);
  const resize = (): void => channel.setWindow(process.stdout.rows ?? 24, process.stdout.columns ?? 80, 0, 0);
  process.stdout.on('resize', resize);
  try {
    return await new Promise<number>((resolve) => channel.on('exit', (code: number | null) => resolve(code ?? 0)).on('close', () => resolve(0)));
  } finally {
    process.stdout.off('resize', resize);
    stdin.unpipe(channel);
    stdin.setRawMode?.(false);
    stdin.pause();
  }
}
