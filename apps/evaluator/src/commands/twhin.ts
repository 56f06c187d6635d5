import { UsageError } from "@tml/core";
import type { CliIo } from "../cli/cli-io.js";

/** `evaluator twhin --help`. */
export const TWHIN_HELP = `evaluator twhin --checkpoint DIR [--data GLOB]`;

/** `evaluator twhin`. */
export async function twhinCommand(_argv: readonly string[], _io: CliIo): Promise<number> {
  throw new UsageError("evaluator twhin: pending");
}
