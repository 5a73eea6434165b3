/**
 * The `--name value` flags of a script run by hand (the soak, the chaos run),
 * each with its default: one strict parse, an unknown flag an error.
 *
 * @module
 */
import { parseArgs } from "node:util";

/** What the flags parse to: a string where a default is given, else maybe none. */
export type ScriptFlags<D> = { [K in keyof D]: D[K] extends string ? string : string | undefined };

/** Parses `args` as string flags named by `defaults` (`undefined`: the flag has no default). */
export function scriptFlags<const D extends Record<string, string | undefined>>(
  args: string[],
  defaults: D,
): ScriptFlags<D> {
  const options = Object.fromEntries(
    Object.entries(defaults).map(([name, fallback]) => [
      name,
      fallback === undefined
        ? { type: "string" as const }
        : { type: "string" as const, default: fallback },
    ]),
  );
  return parseArgs({ args, options }).values as ScriptFlags<D>;
}
