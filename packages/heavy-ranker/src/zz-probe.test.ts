import { it } from "vitest";
import { configKeyPaths } from "../../core/src/testing/config-key-paths.js";
import { recapConfigSchema } from "./index.js";
it("probe", () => { for (const k of configKeyPaths(recapConfigSchema)) console.log(k.path, k.aliases.length ? `(+${k.aliases.length}: ${k.aliases.slice(0,2).join(", ")})` : ""); });
