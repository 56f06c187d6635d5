// Rewrites the generated speed tables of the READMEs from bench/results/latest.json:
// `node bench/readme-tables.mjs` after `pnpm bench` (bench/lib/readme-tables.test.mjs checks them).
import { readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { README_BLOCKS, readmeTable, replaceBlock } from "./lib/readme-tables.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const results = JSON.parse(readFileSync(join(root, "bench/results/latest.json"), "utf8"));
for (const { readme, table } of README_BLOCKS) {
  const path = join(root, readme);
  const updated = replaceBlock(readFileSync(path, "utf8"), table, readmeTable(table, results));
  writeFileSync(`${path}.tmp`, updated);
  renameSync(`${path}.tmp`, path);
  console.log(`${readme}: ${table} table from bench/results/latest.json`);
}
