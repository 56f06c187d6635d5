/**
 * Dotted version numbers as NVIDIA prints them ("535.129.03", "11.2", "8.1.0"): compared segment by
 * segment as integers, so "450.80.02" < "450.102.04" and "11.10" > "11.2".
 */

/** The numeric segments of a dotted version ("535.129.03" -> [535, 129, 3]); undefined if not one. */
export function versionSegments(version: string): number[] | undefined {
  if (!/^\d+(\.\d+)*$/.test(version)) return undefined;
  return version.split(".").map((segment) => Number.parseInt(segment, 10));
}

/**
 * Compares two dotted versions: negative when `a < b`, 0 when equal, positive when `a > b`. Missing
 * trailing segments count as 0 ("11" equals "11.0"). Throws on a string that is not a version,
 * which would be a bug in a caller (every version reaching here was matched by a regex first).
 */
export function compareVersions(a: string, b: string): number {
  const left = versionSegments(a);
  const right = versionSegments(b);
  if (left === undefined || right === undefined) {
    throw new TypeError(
      `compareVersions: not a dotted version: ${JSON.stringify(a)} vs ${JSON.stringify(b)}`,
    );
  }
  for (let index = 0; index < Math.max(left.length, right.length); index++) {
    const difference = (left[index] ?? 0) - (right[index] ?? 0);
    if (difference !== 0) return difference;
  }
  return 0;
}

/** The first segment of a dotted version ("11.2" -> 11); undefined if not a version. */
export function majorOf(version: string): number | undefined {
  return versionSegments(version)?.[0];
}

/** The second segment of a dotted version ("8.1.0" -> 1); undefined when absent. */
export function minorOf(version: string): number | undefined {
  return versionSegments(version)?.[1];
}
