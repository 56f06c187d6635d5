#!/usr/bin/env node
// Runs one of the workspace's CLIs from the root package.json (`pnpm trainer …`, `pnpm evaluator …`,
// `pnpm tml-data …`) in the folder pnpm was called from: pnpm runs root scripts in the repository
// root and records the caller's folder in INIT_CWD, so relative --config, --out and --data paths
// mean what they say wherever the command is typed. Build first (`pnpm build`).
import { existsSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";

const BINS = {
  trainer: "../apps/trainer/bin/trainer.js",
  evaluator: "../apps/evaluator/bin/evaluator.js",
  "tml-data": "../packages/data-io/bin/tml-data.js",
};

const [name, ...args] = process.argv.slice(2);
const bin = BINS[name];
if (!bin) {
  process.stderr.write(`run-cli: unknown CLI "${name}"; one of ${Object.keys(BINS).join(", ")}\n`);
  process.exit(2);
}
const path = fileURLToPath(new URL(bin, import.meta.url));
const built = fileURLToPath(new URL("../dist/", new URL(bin, import.meta.url)));
if (!existsSync(built)) {
  process.stderr.write(
    `${name} is not built yet: run "pnpm build" in the repository root first.\n`,
  );
  process.exit(2);
}
if (process.env.INIT_CWD) process.chdir(process.env.INIT_CWD);
process.argv = [process.argv[0], path, ...args];
await import(pathToFileURL(path).href);
