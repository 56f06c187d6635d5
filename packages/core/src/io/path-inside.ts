import { isAbsolute, relative, resolve, sep } from "node:path";
import { ConfigError } from "../errors/index.js";

/**
 * `root` joined with `parts`, checked to stay strictly inside `root`: every file a tool writes
 * under its run or output directory goes through it, so no name from a config or a data file
 * (`../x`, `/etc/x`) can place a file elsewhere. The check is on the path's text: symbolic links
 * inside `root` (an `export/` the user linked to another disk) are followed, since only whoever
 * can already write in `root` can place them. ConfigError naming both paths otherwise.
 */
export function pathInside(root: string, ...parts: string[]): string {
  const base = resolve(root);
  const target = resolve(base, ...parts);
  const inside = relative(base, target);
  if (inside === "" || inside === ".." || inside.startsWith(`..${sep}`) || isAbsolute(inside)) {
    throw new ConfigError(
      `"${parts.join("/")}" would be written at ${target}, outside ${base}: names that become file names must be plain names.`,
      { details: { path: target, root: base } },
    );
  }
  return target;
}
