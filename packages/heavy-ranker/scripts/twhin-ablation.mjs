// Does the Heavy Ranker gain from TwHIN's embeddings? Retrains the main job's ranker (its resolved
// config, its generated rows) with the rows' embedding columns (TwHIN's export, as the main job
// trains) and with other tables swapped in through `trainHeavyRanker({ embeddings })`: zeros,
// random vectors, and one-hot true communities of the generated graph (the planted signal). Prints
// each run's validation AUROC per task and its mean. Usage, after `pnpm build && pnpm trainer`:
//   node packages/heavy-ranker/scripts/twhin-ablation.mjs [runDir=runs/main] [conditions] [seeds]
// e.g. `node packages/heavy-ranker/scripts/twhin-ablation.mjs runs/main files,zeros 0,1`.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createLogger, Rng } from "@tml/core";
import { getColumn, iterateParquetBatches } from "@tml/data-io";
import { installTfjsResolveHook } from "@tml/engine";
import { loadRecapConfig, trainHeavyRanker } from "@tml/heavy-ranker";

installTfjsResolveHook();
const run = resolve(process.argv[2] ?? "runs/main");
const names = (process.argv[3] ?? "files,zeros,random,oracle").split(",");
const seeds = (process.argv[4] ?? "0").split(",").map(Number);
const config = loadRecapConfig(join(run, "heavy-ranker", "config.yaml"));

const communities = [];
for await (const batch of iterateParquetBatches(join(run, "data/graph/communities/user.parquet"), {
  columns: ["community"],
}))
  communities.push(...getColumn(batch, "community", "int32").values);
const schemaPath = config.train_data.seg_dense_schema.schema_path;
const { schema } = JSON.parse(readFileSync(schemaPath, "utf8"));
const dim = schema.find((f) => f.feature_name.includes("twhin_user_follow")).length;
const table = (fill) => {
  const values = new Float32Array(communities.length * dim);
  for (let user = 0; user < communities.length; user++)
    fill(values.subarray(user * dim, (user + 1) * dim), user);
  return { values, dim };
};
const rng = new Rng(12345);
const tables = {
  files: undefined,
  zeros: table(() => {}),
  random: table((row) => {
    for (let i = 0; i < dim; i++) row[i] = rng.normal();
  }),
  oracle: table((row, user) => {
    row[communities[user] % dim] = 1;
  }),
};

const logger = createLogger({ name: "twhin-ablation", level: "error" });
const work = mkdtempSync(join(tmpdir(), "twhin-ablation-"));
try {
  for (const name of names) {
    if (!(name in tables)) throw new Error(`unknown condition ${name}: ${Object.keys(tables)}`);
    const rows = tables[name];
    for (const seed of seeds) {
      const result = await trainHeavyRanker({
        config,
        outDir: join(work, `${name}-${seed}`),
        logger,
        seed,
        // As the main job trains its ranker.
        evalEveryN: Math.max(1, Math.floor(config.training.num_train_steps / 4)),
        ...(rows ? { embeddings: { user: rows, userEngagement: rows, author: rows } } : {}),
      });
      const metrics = result.partitionMetrics[Object.keys(config.validation_data)[0]];
      const auroc = Object.keys(metrics)
        .filter((key) => key.startsWith("auroc/"))
        .map((key) => metrics[key]);
      const mean = auroc.reduce((sum, value) => sum + value, 0) / auroc.length;
      console.log(
        `${name.padEnd(7)} seed ${seed}  mean AUROC ${mean.toFixed(3)}  (${auroc.map((v) => v.toFixed(4)).join(" ")})`,
      );
    }
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
