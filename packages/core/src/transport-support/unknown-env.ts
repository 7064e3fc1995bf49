import { closestName } from '../closest-name.ts';

type Env = Readonly<Record<string, string | undefined>>;

/** Variables already warned about in this process: each is said once, however many buses start. */
const warned = new Set<string>();

/** How a `SwitchyardWarning` is emitted: `process.emitWarning`, which Node prints on stderr. */
export const emitSwitchyardWarning = (message: string): void => {
  process.emitWarning(message, { type: 'SwitchyardWarning', code: 'SWITCHYARD_ENV' });
};

/**
 * Warns (once per process and variable) about each variable named `<prefix>…` that is not one of
 * `known`, naming the closest known one: a misspelt `SWITCHYARD_KAFKA_LINGER` would otherwise
 * leave its setting at the default without a word. A warning rather than an error, because an
 * environment is shared with other tools and other versions of the service.
 */
export function warnUnknownEnv(
  env: Env,
  prefix: string,
  known: readonly string[],
  warn: (message: string) => void = emitSwitchyardWarning,
  options: {
    /** Only warn when a known variable is close (the prefix is shared with others). */
    readonly onlyNear?: boolean;
    /** Prefixes under `prefix` that others check. */
    readonly except?: readonly string[];
    /** Names people use for a known variable, and the variable they mean. */
    readonly meant?: Readonly<Record<string, string>>;
  } = {},
): void {
  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith(prefix) || value === undefined || known.includes(name) || warned.has(name)) continue;
    if (options.except?.some((other) => name.startsWith(other))) continue;
    const guess = options.meant?.[name] ?? closestName(name, known);
    if (guess === undefined && options.onlyNear === true) continue;
    warned.add(name);
    const hint =
      guess !== undefined
        ? `did you mean ${guess}?`
        : `the ${prefix}* variables it reads are listed in the adapter's README`;
    warn(`${name} is set, but Switchyard reads no such variable, so it has no effect: ${hint}`);
  }
}
