// Every command `vfslab help` lists answers --help with its usage, its exit
// codes and examples that invoke it, and exits 0: a user never has to read
// the source to find a flag or what an exit status means.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import t, { type Test } from 'tap';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const bin = path.join(root, 'bin/vfslab');
const run = promisify(execFile);

async function vfslab(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await run(bin, args, { cwd: root, timeout: 120_000 });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const x = e as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof x.code === 'number' ? x.code : -1, stdout: x.stdout ?? '', stderr: x.stderr ?? '' };
  }
}

/** The command names of `vfslab help`: the indented lines under "commands:". */
function listedCommands(help: string): string[] {
  const block = help.split('\ncommands:\n')[1]?.split('\n\n')[0] ?? '';
  return block.split('\n').flatMap((l) => /^ {2}([a-z][a-z-]*) /.exec(l)?.[1] ?? []);
}

/** The lines of the examples section (after "examples:" or "example:", up to a blank line). */
function examples(text: string): string[] {
  const m = /^examples?:\n((?: {2}.*\n?)+)/m.exec(text);
  return m?.[1]?.split('\n').filter((l) => l.trim()) ?? [];
}

function checkHelp(tt: Test, name: string, r: { code: number; stdout: string; stderr: string }): void {
  tt.equal(r.code, 0, `${name} --help exits 0 (stderr: ${r.stderr.slice(-200)})`);
  tt.match(r.stdout, new RegExp(`^usage: vfslab ${name}\\b`), 'starts with the usage line');
  tt.match(r.stdout, /^exit\b.*\b0\b/im, 'names its exit codes');
  const ex = examples(r.stdout);
  tt.ok(ex.length >= 1, 'has an examples section');
  tt.ok(ex.some((l) => l.includes(`vfslab ${name}`)), `an example runs vfslab ${name}`);
}

const top = await vfslab('help');
const names = listedCommands(top.stdout);

t.test('vfslab help', async (tt) => {
  tt.equal(top.code, 0);
  tt.match(top.stdout, /^usage: vfslab COMMAND/);
  tt.match(top.stdout, /^exit: 0 success; 1 .*; 2 bad input/m);
  tt.ok(examples(top.stdout).length >= 2, 'top-level examples');
  for (const n of ['boot', 'run', 'model', 'repro', 'merge', 'kernel', 'bisect', 'bisect-step', 'bisect-series', 'diff']) tt.ok(names.includes(n), `lists ${n}`);
});

t.test('no command: usage on stdout, exit 2; an unknown one names the valid ones', async (tt) => {
  const none = await vfslab();
  tt.equal(none.code, 2);
  tt.match(none.stdout, /^usage: vfslab COMMAND/);
  const bad = await vfslab('frobnicate');
  tt.equal(bad.code, 2);
  tt.match(bad.stderr, /unknown command 'frobnicate' \(valid: boot, run/);
});

// In parallel: each is a node start-up (~1 s).
const answers = await Promise.all(names.map(async (n) => [n, await vfslab(n, '--help')] as const));
for (const [name, r] of answers) t.test(`vfslab ${name} --help`, async (tt) => checkHelp(tt, name, r));

t.test('-h and `vfslab help COMMAND` print the same text as --help', async (tt) => {
  const long = answers.find(([n]) => n === 'run')![1].stdout;
  tt.equal((await vfslab('run', '-h')).stdout, long);
  tt.equal((await vfslab('help', 'run')).stdout, long);
});
