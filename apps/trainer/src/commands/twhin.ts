import { UsageError } from "@tml/core";
import type { CliIo } from "evaluator";

/** `trainer twhin --help`. */
export const TWHIN_HELP = `trainer twhin --config FILE [options]`;

/** `trainer twhin`. */
export async function twhinCommand(_argv: readonly string[], _io: CliIo): Promise<number> {
  throw new UsageError("trainer twhin: pending");
}
