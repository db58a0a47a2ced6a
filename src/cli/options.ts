import { parseArgs, type ParseArgsConfig } from 'node:util';
import { InputError } from '../../harness/errors.js';

// util.parseArgs with vfslab's error contract: an unknown flag or a bad value
// is an InputError naming the flag and what would be valid (exit 2).
export function parseCommandArgs<T extends NonNullable<ParseArgsConfig['options']>>(
  command: string,
  argv: string[],
  options: T,
  allowPositionals: boolean,
) {
  try {
    return parseArgs({ args: argv, options, allowPositionals, strict: true });
  } catch (e) {
    const valid = Object.keys(options)
      .map((k) => `--${k}`)
      .join(' ');
    throw new InputError(`vfslab ${command}`, (e as Error).message.replace(/^TypeError \[\w+\]: /, ''), valid);
  }
}

export function oneOf<T extends string>(flag: string, value: string | undefined, valid: readonly T[], dflt: T): T {
  if (value === undefined) return dflt;
  if (!(valid as readonly string[]).includes(value)) throw new InputError(flag, `unknown value '${value}'`, valid.join('|'));
  return value as T;
}

/** The guest a command boots: the same four flags everywhere, validated by oneOf. */
export const guestFlags = {
  pmem: { type: 'string' },
  fs: { type: 'string' },
  dax: { type: 'string' },
  accel: { type: 'string' },
} as const;
