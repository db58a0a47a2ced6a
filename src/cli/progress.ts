// Progress lines on stderr: plain text, so they read the same in a terminal and in CI logs.
export function progress(): (line: string) => void {
  const t0 = Date.now();
  return (line) => process.stderr.write(`[${((Date.now() - t0) / 1000).toFixed(1).padStart(5)}s] ${line}\n`);
}
