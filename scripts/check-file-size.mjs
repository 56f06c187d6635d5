#!/usr/bin/env node
// Fails when a source file (tests excluded) passes 400 lines: split it by concept (STYLE.md).
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";

const LIMIT = 400;
const offenders = [];
function walk(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) {
      if (name !== "__fixtures__" && name !== "node_modules") walk(path);
    } else if (/\.(ts|mts|cts)$/.test(name) && !/\.test\.ts$/.test(name)) {
      const lines = readFileSync(path, "utf8").split("\n").length;
      if (lines > LIMIT) offenders.push(`${path} (${lines} lines)`);
    }
  }
}
for (const dir of process.argv.slice(2)) walk(dir);
if (offenders.length > 0) {
  console.error(
    `Source files over ${LIMIT} lines (split them by concept):\n  ${offenders.join("\n  ")}`,
  );
  process.exit(1);
}
