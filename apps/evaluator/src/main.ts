#!/usr/bin/env node
import { processIo } from "@tml/cli-kit";
import { main } from "./cli.js";

// The whole program is `main`; this file only connects it to the process.
process.exitCode = await main(process.argv.slice(2), processIo());
