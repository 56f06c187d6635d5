#!/usr/bin/env node
// Node's ESM loader needs this hook to import tfjs-core's gradient modules (see @tml/engine).
import { installTfjsResolveHook } from "@tml/engine";

installTfjsResolveHook();
await import("../dist/main.js");
