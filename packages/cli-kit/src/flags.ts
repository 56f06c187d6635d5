import { parseArgs } from "node:util";
import { UsageError } from "@tml/core";

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

/**
 * Parses `argv` strictly (`node:util` parseArgs): an unknown flag, a missing value or an
 * unexpected positional is a UsageError naming the command and pointing at its `--help`.
 */
export function parseFlags(
  command: string,
  argv: readonly string[],
  flags: FlagSpec,
  options: { positionals?: boolean } = {},
): ParsedFlags {
  try {
    const { values, positionals } = parseArgs({
      args: [...argv],
      options: { ...flags, help: { type: "boolean", short: "h" } },
      allowPositionals: options.positionals ?? false,
      strict: true,
    });
    return { values: values as ParsedFlags["values"], positionals };
  } catch (error) {
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
