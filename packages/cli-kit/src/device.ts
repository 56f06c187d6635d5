import { UsageError } from "@tml/core";
import { ENGINE_DEVICES } from "@tml/engine";
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
