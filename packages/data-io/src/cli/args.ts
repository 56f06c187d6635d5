import { parseArgs } from "node:util";
import { UsageError } from "@tml/core";

/** Where a CLI run writes: injected so tests can capture output. */
export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

/** Option declarations in `node:util` parseArgs form. */
export type OptionSpec = Record<
  string,
  { type: "string" | "boolean"; short?: string; multiple?: boolean }
>;

/** Parsed flags and positionals of one subcommand. */
export interface ParsedArgs {
  values: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
}

/** Parses `argv` strictly; unknown flags or missing values become a UsageError naming the command. */
export function parseCommand(command: string, argv: string[], options: OptionSpec): ParsedArgs {
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      options: { ...options, help: { type: "boolean", short: "h" } },
      allowPositionals: true,
      strict: true,
    });
    return { values: values as ParsedArgs["values"], positionals };
  } catch (error) {
    throw new UsageError(
      `tml-data ${command}: ${(error as Error).message}. Run "tml-data ${command} --help".`,
      { cause: error },
    );
  }
}

/** A string flag's value, or `fallback`; a required flag without a value is a UsageError. */
export function stringFlag(
  command: string,
  args: ParsedArgs,
  name: string,
  fallback?: string,
): string {
  const value = args.values[name];
  if (typeof value === "string") return value;
  if (fallback !== undefined) return fallback;
  throw new UsageError(
    `tml-data ${command}: --${name} is required. Run "tml-data ${command} --help".`,
  );
}

/** A numeric flag (integer unless `real`), at least `min`; anything else is a UsageError. */
export function numberFlag(
  command: string,
  args: ParsedArgs,
  name: string,
  fallback: number | undefined,
  options: { min?: number; real?: boolean } = {},
): number {
  const raw = args.values[name];
  if (raw === undefined && fallback !== undefined) return fallback;
  const text = stringFlag(command, args, name);
  const value = Number(text.replace(/_/g, ""));
  const min = options.min ?? 0;
  if (
    text.trim() === "" ||
    !Number.isFinite(value) ||
    (!options.real && !Number.isInteger(value)) ||
    value < min
  ) {
    throw new UsageError(
      `tml-data ${command}: --${name} must be ${options.real ? "a number" : "an integer"} ≥ ${min}, got "${text}".`,
    );
  }
  return value;
}

/** `--columns a,b,c` as a list, or undefined for all columns. */
export function columnsFlag(args: ParsedArgs): string[] | undefined {
  const value = args.values.columns;
  if (typeof value !== "string") return undefined;
  return value
    .split(",")
    .map((name) => name.trim())
    .filter((name) => name !== "");
}
