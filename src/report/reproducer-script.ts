// reproducer.sh: the exact QEMU command line of the run, made runnable on its
// own: a fresh pmem file, a fresh SSH key, the console on the terminal.

export function shellQuoteArg(s: string): string {
  return /^[A-Za-z0-9_./=:,+@%-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

export function reproducerScript(argv: readonly string[], repro: string): string {
  // Per-run paths and the per-run key are replaced at run time, not copied.
  const args = argv.map((a, i) => {
    if (argv[i - 1] === '-serial') return 'mon:stdio';
    if (argv[i - 1] === '-object' && a.startsWith('memory-backend-file')) return a.replace(/mem-path=[^,]*(,,[^,]*)*/, 'mem-path=$WORK/pmem.img');
    if (argv[i - 1] === '-append') return a.replace(/vfslab\.key=\S+/, 'vfslab.key=$KEY').replace(/ ?vfslab\.prepared=1/, '');
    return a;
  });
  const template = argv.find((a) => a.startsWith('memory-backend-file'));
  const size = /size=(\d+[MG])/.exec(template ?? '')?.[1] ?? '512M';
  const quoted = args.map((a) => (a.includes('$WORK') || a.includes('$KEY') ? `"${a.replace(/"/g, '\\"')}"` : shellQuoteArg(a)));
  return `#!/bin/sh
# Boots the guest of this vfslab run with its exact QEMU command line (the
# pmem file, console and SSH key are made fresh here; the guest prepares the
# namespace and filesystem itself). Then, from another terminal, with PORT the
# hostfwd port below and KEY the path this script prints:
#   gcc -static -O2 -o repro ${repro}
#   ssh -p PORT -i KEY root@127.0.0.1 'cat > /tmp/repro && chmod +x /tmp/repro' < repro
#   ssh -p PORT -i KEY root@127.0.0.1 'mkdir -p /mnt/pmem/r && cd /mnt/pmem/r && /tmp/repro'
# Ctrl-A X quits QEMU.
set -eu
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
ssh-keygen -q -t ed25519 -N '' -f "$WORK/key"
KEY=$(base64 -w0 "$WORK/key.pub")
echo "KEY=$WORK/key" >&2
${template ? `truncate -s ${size} "$WORK/pmem.img"` : '# this backend keeps pmem in guest RAM (memmap=): no file'}
exec ${quoted.join(' \\\n  ')}
`;
}
