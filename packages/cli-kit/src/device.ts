import { silentLogger, UsageError } from "@tml/core";
import { ENGINE_DEVICES, type EngineInfo, selectEngine } from "@tml/engine";
import type { CliIo } from "./cli-io.js";
import { optionalString, type ParsedFlags } from "./flags.js";

/** `--device`: one of the engine's devices (default `auto`); anything else is a UsageError. */
export function deviceFlag(command: string, flags: ParsedFlags): string {
  const device = optionalString(flags, "device") ?? "auto";
  if (!ENGINE_DEVICES.includes(device)) {
    throw new UsageError(
      `${command}: --device must be one of ${ENGINE_DEVICES.join(", ")}, got "${device}".`,
    );
  }
  return device;
}

/** The engine line every command prints: which engine, why, and on how many threads. */
export function engineLine(engine: EngineInfo): string {
  return `engine: ${engine.label} (${engine.reason}); ${engine.threads} thread${engine.threads === 1 ? "" : "s"}`;
}

/**
 * Selects the engine for `device` (no gradients) and returns a function that prints its engine
 * line on stdout (after the command's result, so that stderr stays for errors only).
 */
export async function selectCommandEngine(device: string, io: CliIo): Promise<() => void> {
  const engine = await selectEngine({ device, gradients: false, logger: silentLogger });
  return () => io.stdout(`${engineLine(engine)}\n`);
}
