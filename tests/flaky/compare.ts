// The flakiness comparison, pure: per run, a map from a test or a scenario
// verdict to its outcome; what changed between runs, as a table.

/** One run: key (a TAP test point, or "verdict GUEST FILE") -> outcome (ok, not ok, skip, pass, diverged, ...). */
export type RunOutcomes = Map<string, string>;

/**
 * TAP test points of each file's top-level subtests ("    ok 3 - name"), keyed
 * by file and name. A file that fails outside any subtest counts as its own point.
 */
export function tapOutcomes(tap: string): RunOutcomes {
  const out: RunOutcomes = new Map();
  let file = '';
  for (const line of tap.split('\n')) {
    const sub = /^# Subtest: (.*)$/.exec(line);
    if (sub) {
      file = sub[1]!;
      continue;
    }
    const point = /^ {4}(not )?ok \d+ - (.*?)(?: # (SKIP|TODO)\b.*| # time=.*)?$/.exec(line);
    if (point) {
      out.set(`${file} :: ${point[2]}`, point[3] ? point[3].toLowerCase() : point[1] ? 'not ok' : 'ok');
      continue;
    }
    const top = /^(not )?ok \d+ - (\S+)/.exec(line);
    if (top) out.set(`${top[2]} :: (file)`, top[1] ? 'not ok' : 'ok');
  }
  return out;
}

export interface Change {
  key: string;
  /** One per run; '(absent)' where the run did not have it. */
  outcomes: string[];
}

/** Keys whose outcome is not the same in every run (absent counts as an outcome). */
export function changes(runs: readonly RunOutcomes[]): Change[] {
  const keys = new Set<string>();
  for (const r of runs) for (const k of r.keys()) keys.add(k);
  const out: Change[] = [];
  for (const key of [...keys].sort()) {
    const outcomes = runs.map((r) => r.get(key) ?? '(absent)');
    if (new Set(outcomes).size > 1) out.push({ key, outcomes });
  }
  return out;
}

/** A Markdown table of the changes, or a line saying there were none. */
export function changeTable(runs: readonly RunOutcomes[], ch: readonly Change[]): string {
  const keys = new Set<string>();
  for (const r of runs) for (const k of r.keys()) keys.add(k);
  const head = `${runs.length} run(s), ${keys.size} test points and scenario verdicts, ${ch.length} changed`;
  if (ch.length === 0) return `${head}.\n`;
  const cols = runs.map((_, i) => `run ${i + 1}`);
  const lines = [`| test or scenario | ${cols.join(' | ')} |`, `|---|${cols.map(() => '---').join('|')}|`];
  for (const c of ch) lines.push(`| ${c.key.replaceAll('|', '\\|')} | ${c.outcomes.join(' | ')} |`);
  return `${head}:\n\n${lines.join('\n')}\n`;
}

/** What tests/flaky/run.ts records of each run (run-N/run.json). */
export interface RunRecord {
  commit: string;
  /** Uncommitted changes to tracked files when the run started. */
  dirty: boolean;
  startedAt: string;
  minutes: number;
  exit: number | null;
}

/** Which commits the runs ran, so a campaign that spans code changes says so. */
export function campaignCommits(recs: readonly (RunRecord | undefined)[]): string {
  const names = recs.map((r) => (r ? `${r.commit}${r.dirty ? ' (uncommitted changes)' : ''}` : '(not recorded)'));
  const distinct = [...new Set(names)];
  if (distinct.length === 1) return `All runs on ${distinct[0]}.\n`;
  return `Runs span ${distinct.length} commits: ${distinct.map((d) => `${d} (runs ${names.flatMap((n, i) => (n === d ? [i + 1] : [])).join(',')})`).join('; ')}.\n`;
}
