import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { getFlag } from "../flags/flags.js";

/**
 * The folder of public datasets (../shared/data beside the repository), or undefined when it is
 * absent, so that tests reading real data can `it.skipIf(!sharedDataDir())`. `TML_DATA_DIR`
 * overrides the location.
 */
export function sharedDataDir(): string | undefined {
  const fromEnv = getFlag("TML_DATA_DIR");
  if (fromEnv) return existsSync(fromEnv) ? fromEnv : undefined;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let depth = 0; depth < 8; depth++) {
    if (existsSync(join(dir, "pnpm-workspace.yaml"))) {
      const candidate = resolve(dir, "..", "shared", "data");
      return existsSync(candidate) ? candidate : undefined;
    }
    dir = dirname(dir);
  }
  return undefined;
}
