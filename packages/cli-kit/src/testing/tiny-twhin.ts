import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { configToYaml, createLogger, loadConfigFile, writeFileAtomic } from "@tml/core";
import { twitterGraphSpec, writeGraph } from "@tml/data-io";
import { metricsLogCallbacks, prepareRunDirectory } from "@tml/reports";
import { trainTwhin, twhinConfigSchema } from "@tml/twhin";
import { FIXTURES } from "./tiny-data.js";

/**
 * A trained tiny TwHIN in a trainer-style run directory (run.json, config.yaml, metrics.jsonl,
 * checkpoints/), as `trainer twhin` leaves it: tiny-twhin.yaml on a generated graph of 64 users
 * and 32 Tweets (`TML_TINY_GRAPH` is set to it). Returns the run directory.
 */
export async function trainTinyTwhinRun(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), "tml-tiny-twhin-"));
  process.env.TML_TINY_GRAPH = join(dir, "graph");
  await writeGraph(
    join(dir, "graph"),
    twitterGraphSpec({ users: 64, tweets: 32, edges: 2000, communities: 4 }),
    { seed: 1 },
  );
  const config = loadConfigFile(twhinConfigSchema, join(FIXTURES, "tiny-twhin.yaml"));
  const run = prepareRunDirectory(join(dir, "run"), { kind: "twhin", resume: false });
  writeFileAtomic(run.configFile, configToYaml(config));
  await trainTwhin({
    config,
    outDir: run.checkpointsDir,
    device: "cpu",
    logger: createLogger({ level: "silent" }),
    callbacks: [metricsLogCallbacks(run.metricsFile)],
  });
  return run.root;
}
