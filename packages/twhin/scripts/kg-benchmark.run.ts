// Trains and evaluates the KG recipes (configs/fb15k-237.yaml, configs/wn18rr.yaml) from sources:
//   KG=fb15k-237 nice -n 10 pnpm --filter @tml/twhin kg-benchmark
// Env: KG (fb15k-237 | wn18rr), TWHIN_KG_WORK (default /tmp/twhin-kg), MAX_STEPS (optional),
// WORKERS (Hogwild threads, default 1; each step then trains WORKERS batches, so pass
// MAX_STEPS = num_train_steps / WORKERS for the same epochs), SEED (overrides the config's seed).
// Converts the TSVs of ../shared/data/<KG> once, trains (resuming a killed run), evaluates the test
// split (filtered with train + valid + test, both directions) and writes <work>/<KG>-results.json.
import { appendFileSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { ConfigError, createLogger } from "@tml/core";
import { sharedDataDir } from "@tml/core/testing";
import { convertKnowledgeGraph } from "@tml/data-io";
import { it } from "vitest";
import { evaluateTwhin } from "../src/run/evaluate-twhin.js";
import { resolveConfig } from "../src/run/resolve-config.js";
import { trainTwhin } from "../src/run/train-twhin.js";

const kg = process.env.KG ?? "fb15k-237";
const work = process.env.TWHIN_KG_WORK ?? "/tmp/twhin-kg";
const logFile = join(work, `${kg}.log`);
const say = (line: string) => {
  appendFileSync(logFile, `${line}\n`);
  process.stdout.write(`${line}\n`);
};

it.skipIf(!sharedDataDir())(`kg benchmark ${kg}`, async () => {
  const graphDir = join(work, kg);
  if (!existsSync(join(graphDir, "graph.json")))
    await convertKnowledgeGraph(join(sharedDataDir()!, kg), graphDir);
  process.env.TWHIN_KG_DIR = work;
  process.env.TWHIN_KG_OUT = join(work, "runs");
  const configPath = fileURLToPath(new URL(`../configs/${kg}.yaml`, import.meta.url));
  const config = resolveConfig(
    configPath,
    process.env.SEED === undefined ? [] : [`seed=${process.env.SEED}`],
  );
  const names = JSON.parse(readFileSync(join(graphDir, "relations.json"), "utf8")) as string[];
  if (names.join("\n") !== config.model.relations.map((r) => r.name).join("\n")) {
    throw new ConfigError(
      `${configPath}: relations differ from ${graphDir}/relations.json (id order).`,
    );
  }
  const logger = createLogger({ name: `twhin-${kg}`, level: "info", json: true });
  const load = loadavg()[0];
  const began = performance.now();
  const workers = Number(process.env.WORKERS ?? 1);
  const trained = await trainTwhin({
    config,
    logger,
    workers,
    ...(process.env.MAX_STEPS ? { maxSteps: Number(process.env.MAX_STEPS) } : {}),
    callbacks: {
      onLog: (e) =>
        say(`step ${e.step} loss ${e.loss.toFixed(4)} edges/s ${e.examplesPerSecond.toFixed(0)}`),
    },
  });
  const trainSeconds = (performance.now() - began) / 1000;
  const result = await evaluateTwhin({ config, logger });
  const summary = {
    kg,
    engine: trained.engine,
    workers,
    seed: config.seed,
    steps: trained.step,
    train_seconds_this_session: trainSeconds,
    train_walltime_s: trained.walltimeS,
    eval_seconds: result.seconds,
    test_edges: result.edges,
    filtered: result.both,
    tail: result.tail,
    head: result.head,
    load_average_start: load,
    load_average_end: loadavg()[0],
  };
  writeFileSync(join(work, `${kg}-results.json`), `${JSON.stringify(summary, null, 2)}\n`);
  say(JSON.stringify(summary));
});
