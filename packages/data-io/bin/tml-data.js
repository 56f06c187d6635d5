#!/usr/bin/env node
import { runTmlDataBin } from "../dist/cli/main.js";

await runTmlDataBin();
