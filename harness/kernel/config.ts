// Kconfig fragments: parse, merge, and check that what a fragment asks for
// survived into the final .config. `make allnoconfig` with KCONFIG_ALLCONFIG
// (what scripts/kconfig/merge_config.sh -n does) silently drops an option
// whose dependencies are not met, so the build checks every one.
import { InputError } from '../errors.js';

/** An option's value as Kconfig writes it: 'y', 'm', a number, a quoted string, or 'n' for "is not set". */
export type ConfigValues = Map<string, string>;

export interface FragmentLine {
  option: string; // CONFIG_FOO
  value: string; // y, m, n, 123, "str"
  line: number; // 1-based, for error messages
}

export class FragmentSyntaxError extends InputError {
  constructor(
    readonly file: string,
    readonly line: number,
    problem: string,
  ) {
    super(`${file}:${line}`, problem, 'CONFIG_FOO=value, "# CONFIG_FOO is not set", a comment or a blank line');
  }
}

const SET_RE = /^(CONFIG_[A-Za-z0-9_]+)=(.*)$/;
const UNSET_RE = /^# (CONFIG_[A-Za-z0-9_]+) is not set$/;

/** Parses a fragment; any line that is neither an assignment, "is not set", a comment nor blank is an error. */
export function parseFragment(text: string, file: string): FragmentLine[] {
  const out: FragmentLine[] = [];
  const seen = new Map<string, number>();
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    const n = i + 1;
    if (line === '') return;
    const unset = UNSET_RE.exec(line);
    const set = SET_RE.exec(line);
    let entry: FragmentLine | undefined;
    if (unset?.[1]) entry = { option: unset[1], value: 'n', line: n };
    else if (set?.[1] && set[2] !== undefined) {
      if (set[2] === '') throw new FragmentSyntaxError(file, n, `${set[1]} has an empty value`);
      entry = { option: set[1], value: set[2], line: n };
    } else if (line.startsWith('#')) return;
    else throw new FragmentSyntaxError(file, n, `cannot parse '${line}'`);
    const before = seen.get(entry.option);
    if (before !== undefined) throw new FragmentSyntaxError(file, n, `${entry.option} is already set on line ${before}`);
    seen.set(entry.option, n);
    out.push(entry);
  });
  return out;
}

/** Parses a .config as Kconfig writes it. Options not mentioned are absent from the map. */
export function parseDotConfig(text: string): ConfigValues {
  const m: ConfigValues = new Map();
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    const unset = UNSET_RE.exec(line);
    if (unset?.[1]) {
      m.set(unset[1], 'n');
      continue;
    }
    const set = SET_RE.exec(line);
    if (set?.[1] && set[2] !== undefined) m.set(set[1], set[2]);
  }
  return m;
}

export interface NamedFragment {
  file: string;
  lines: FragmentLine[];
}

/**
 * Later fragments override earlier ones (like merge_config.sh); the result is
 * the text handed to KCONFIG_ALLCONFIG and the list of requirements to check.
 */
export function mergeFragments(fragments: NamedFragment[]): { text: string; wanted: (FragmentLine & { file: string })[] } {
  const byOption = new Map<string, FragmentLine & { file: string }>();
  for (const f of fragments) for (const l of f.lines) byOption.set(l.option, { ...l, file: f.file });
  const wanted = [...byOption.values()];
  const text = wanted.map((w) => (w.value === 'n' ? `# ${w.option} is not set` : `${w.option}=${w.value}`)).join('\n') + '\n';
  return { text, wanted };
}

export interface DroppedOption {
  option: string;
  wanted: string;
  got: string; // 'n' when absent or "is not set"
  file: string;
  line: number;
}

/** Every requested value must be in the final .config; "is not set" is satisfied by absence too. */
export function droppedOptions(wanted: (FragmentLine & { file: string })[], final: ConfigValues): DroppedOption[] {
  const dropped: DroppedOption[] = [];
  for (const w of wanted) {
    const got = final.get(w.option) ?? 'n';
    if (got !== w.value) dropped.push({ option: w.option, wanted: w.value, got, file: w.file, line: w.line });
  }
  return dropped;
}

/** The fragment asks for something this tree's Kconfig will not give: fix the fragment (or the tree). */
export class ConfigDroppedError extends InputError {
  constructor(
    readonly dropped: DroppedOption[],
    dotConfig: string,
  ) {
    const list = dropped.map((d) => `  ${d.file}:${d.line}: ${d.option}: fragment ${show(d.wanted)}, .config ${show(d.got)}`);
    super(
      'kernel config',
      `${dropped.length} option(s) of the fragment did not survive into ${dotConfig} ` +
        `(a dependency is missing, or the option does not exist in this tree):\n${list.join('\n')}\n`,
    );
  }
}

function show(v: string): string {
  return v === 'n' ? 'not set' : v;
}
