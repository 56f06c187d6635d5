// Times `evaluator heavy-ranker` end to end with each scorer on Frappe's test split (28,860 rows,
// real data) and prints the AUC each scorer gives. Trains frappe-masknet.yaml briefly first (the
// speed question does not need a converged model). Needs the built packages and app
// (`pnpm --filter evaluator... build`) and <shared/data>/frappe. Usage:
//   nice -n 10 timeout 1800 node apps/evaluator/scripts/scorer-speed.mjs [steps=200] [repeats=3]
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { evaluateHeavyRankerRun } from "@tml/cli-kit";
import { configToYaml, createLogger, writeFileAtomic } from "@tml/core";
import { sharedDataDir } from "@tml/core/testing";
import { convertFrappe } from "@tml/data-io";
import { installTfjsResolveHook } from "@tml/engine";
import { loadRecapConfig, trainHeavyRanker } from "@tml/heavy-ranker";
import { prepareRunDirectory } from "@tml/reports";

// Training needs tfjs's gradient modules, which plain Node loads only with this hook (see @tml/engine).
installTfjsResolveHook();

const steps = Number(process.argv[2] ?? 200);
const repeats = Number(process.argv[3] ?? 3);
const shared = sharedDataDir();
if (!shared || !existsSync(join(shared, "frappe"))) throw new Error("needs <shared/data>/frappe");
const work = mkdtempSync(join(tmpdir(), "tml-scorer-speed-"));
const parquet = join(work, "frappe");
await convertFrappe(join(shared, "frappe"), parquet);
process.env.FRAPPE_PARQUET = parquet;
const configFile = new URL(
  "../../../packages/heavy-ranker/configs/frappe-masknet.yaml",
  import.meta.url,
).pathname;
const config = loadRecapConfig(configFile);
const run = prepareRunDirectory(join(work, "run"), { kind: "heavy-ranker", resume: false });
writeFileAtomic(run.configFile, configToYaml(config));
const trainStart = performance.now();
await trainHeavyRanker({
  config,
  outDir: run.root,
  device: "cpu",
  maxSteps: steps,
  logger: createLogger({ level: "silent" }),
});
console.log(
  `trained ${steps} steps of 2048 in ${((performance.now() - trainStart) / 1000).toFixed(1)} s`,
);

const test = join(parquet, "test.parquet");
const results = {};
for (let round = 0; round < repeats; round++) {
  for (const scorer of ["tfjs", "onnx-fp32", "onnx-int8"]) {
    const start = performance.now();
    const evaluation = await evaluateHeavyRankerRun({
      checkpoint: run.root,
      data: test,
      device: "cpu",
      scorer,
      report: false,
      out: join(work, `eval-${scorer}`),
    });
    const seconds = (performance.now() - start) / 1000;
    const task = evaluation.metrics[0];
    results[scorer] ??= { seconds: [], auroc: task.auroc, rce: task.rce, rows: task.examples };
    results[scorer].seconds.push(seconds);
  }
}
for (const [scorer, result] of Object.entries(results)) {
  const best = Math.min(...result.seconds);
  console.log(
    `${scorer.padEnd(10)} rows ${result.rows}  AUC ${result.auroc.toFixed(6)}  RCE ${result.rce.toFixed(3)}  ` +
      `best ${best.toFixed(2)} s (${Math.round(result.rows / best)} rows/s)  all ${result.seconds.map((s) => s.toFixed(2)).join(" ")}`,
  );
}
