#!/usr/bin/env node
import { processIo } from "@tml/cli-kit";
import { installTfjsResolveHook } from "@tml/engine";
import { main } from "./cli.js";

// Node needs this resolve hook to load tfjs-core's gradient modules (see @tml/engine); the app
// installs it once, libraries never do.
installTfjsResolveHook();

// The whole program is `main`; this file only connects it to the process.
process.exitCode = await main(process.argv.slice(2), processIo());
