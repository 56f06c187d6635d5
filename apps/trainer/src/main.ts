#!/usr/bin/env node
import { processIo } from "@tml/cli-kit";
import { installTfjsResolveHook } from "@tml/engine";
import { main } from "./cli.js";

// Node needs this resolve hook to load tfjs-core's gradient modules (see @tml/engine); the app
// installs it once, libraries never do.
installTfjsResolveHook();

// The whole program is `main`; this file connects it to the process. The first Ctrl-C (or
// SIGTERM) asks training to stop after the current step and write a checkpoint; a second one
// exits at once. That is safe at any moment: checkpoints, pruning and exports are written to
// temporary names and renamed, so an abandoned write leaves the last complete checkpoint as it was.
const controller = new AbortController();
const stop = (signal: NodeJS.Signals) => {
  if (controller.signal.aborted) {
    process.stderr.write(`\n${signal} again: quitting now; the last complete checkpoint is kept\n`);
    process.exit(130);
  }
  process.stderr.write(
    `\n${signal}: stopping after the current step and writing a checkpoint (again to quit now)\n`,
  );
  controller.abort();
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
process.exitCode = await main(process.argv.slice(2), processIo(controller.signal));
