import { parseArgs } from "node:util";
import { setFlag, UsageError } from "@tml/core";

/** Flag declarations in `node:util` parseArgs form. */
export type FlagSpec = Record<
  string,
  { type: "string" | "boolean"; short?: string; multiple?: boolean }
>;

/** Parsed flags of one command. */
export interface ParsedFlags {
  values: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
}

/** The help line of `--threads`, which every command accepts. */
export const THREADS_HELP =
  "  --threads N            threads to compute on (default: the cores this process may use)";

/**
 * Parses `argv` strictly (`node:util` parseArgs): an unknown flag, a missing value or an
 * unexpected positional is a UsageError naming the command and pointing at its `--help`.
 * Every command that computes accepts `--threads N` (N ≥ 1; `threads: false` for one that does
 * not), which sets the engine's `TML_ENGINE_THREADS` flag for this process before anything computes.
 */
export function parseFlags(
  command: string,
  argv: readonly string[],
  flags: FlagSpec,
  options: { positionals?: boolean; threads?: boolean } = {},
): ParsedFlags {
  const threadsFlag: FlagSpec = options.threads === false ? {} : { threads: { type: "string" } };
  try {
    const { values, positionals } = parseArgs({
      args: [...argv],
      options: { ...flags, help: { type: "boolean", short: "h" }, ...threadsFlag },
      allowPositionals: options.positionals ?? false,
      strict: true,
    });
    const parsed = { values: values as ParsedFlags["values"], positionals };
    const threads = optionalInteger(command, parsed, "threads", 1);
    if (threads !== undefined) setFlag("TML_ENGINE_THREADS", threads);
    return parsed;
  } catch (error) {
    if (error instanceof UsageError) throw error;
    const reason = (error as Error).message.replace(/\.$/, "");
    throw new UsageError(`${command}: ${reason}. Run "${command} --help".`, { cause: error });
  }
}

/** A string flag, or undefined when absent. */
export function optionalString(flags: ParsedFlags, name: string): string | undefined {
  const value = flags.values[name];
  return typeof value === "string" ? value : undefined;
}

/** A required string flag; missing is a UsageError. */
export function requiredString(command: string, flags: ParsedFlags, name: string): string {
  const value = optionalString(flags, name);
  if (value === undefined || value === "")
    throw new UsageError(`${command}: --${name} is required. Run "${command} --help".`);
  return value;
}

/** An integer flag ≥ `min`, or undefined when absent; anything else is a UsageError. */
export function optionalInteger(
  command: string,
  flags: ParsedFlags,
  name: string,
  min = 0,
): number | undefined {
  const text = optionalString(flags, name);
  if (text === undefined) return undefined;
  const value = Number(text.replace(/_/g, ""));
  if (text.trim() === "" || !Number.isInteger(value) || value < min) {
    throw new UsageError(`${command}: --${name} must be an integer ≥ ${min}, got "${text}".`);
  }
  return value;
}

/** A boolean flag (false when absent). */
export function booleanFlag(flags: ParsedFlags, name: string): boolean {
  return flags.values[name] === true;
}

/** Values of a repeatable string flag. */
export function stringList(flags: ParsedFlags, name: string): string[] {
  const value = flags.values[name];
  if (Array.isArray(value)) return value;
  return typeof value === "string" ? [value] : [];
}
