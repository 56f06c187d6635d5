// Per-kernel time of one local_prod-shaped Heavy Ranker training step (tf.profile), for the engine
// work: batch 512, Adam, after two warm-up steps. Usage:
//   nice -n 10 node packages/heavy-ranker/scripts/profile-step.mjs [local_prod|local_small] [batch]
import { fileURLToPath } from "node:url";
import * as tf from "@tensorflow/tfjs-core";
import { createLogger, Rng } from "@tml/core";
import { installTfjsResolveHook, selectEngine } from "@tml/engine";
import {
  buildRankingModel,
  loadRecapConfig,
  RecapTrainTask,
  truncatedWidths,
} from "@tml/heavy-ranker";

installTfjsResolveHook();

const configName = process.argv[2] ?? "local_prod";
const rows = Number(process.argv[3] ?? 512);
const info = await selectEngine({
  device: process.env.TML_DEVICE ?? "cpu",
  logger: createLogger({ name: "profile", level: "warn" }),
});
const path = fileURLToPath(new URL(`../configs/${configName}.yaml`, import.meta.url));
const config = loadRecapConfig(path, { env: { HOME: "/tmp" } });
const { continuousWidth = 2117, binaryWidth = 59 } = truncatedWidths(config);
const model = buildRankingModel(config, { continuousWidth, binaryWidth });
const task = new RecapTrainTask({ model, config, seed: 1 });
const rng = new Rng(3);
const fill = (length, draw) => Float32Array.from({ length }, draw);
const tasks = model.taskNames.length;
const batch = {
  size: rows,
  continuous: tf.tensor2d(
    fill(rows * continuousWidth, () => Math.exp(rng.normal() * 2)),
    [rows, continuousWidth],
  ),
  binary: tf.tensor2d(
    fill(rows * binaryWidth, () => (rng.next() < 0.1 ? 1 : 0)),
    [rows, binaryWidth],
  ),
  discrete: tf.zeros([rows, 1], "int32"),
  userEmbedding: tf.tensor2d(
    fill(rows * 200, () => rng.normal()),
    [rows, 200],
  ),
  userEngEmbedding: tf.tensor2d(
    fill(rows * 200, () => rng.normal()),
    [rows, 200],
  ),
  authorEmbedding: tf.tensor2d(
    fill(rows * 200, () => rng.normal()),
    [rows, 200],
  ),
  labels: tf.tensor2d(
    fill(rows * tasks, () => (rng.next() < 0.2 ? 1 : 0)),
    [rows, tasks],
  ),
  weights: tf.ones([rows, tasks]),
  taskNames: model.taskNames,
};
for (let step = 0; step < 2; step++) await task.trainStep(batch);
const began = performance.now();
const profile = await tf.profile(async () => {
  await task.trainStep(batch);
});
const wall = performance.now() - began;
const byKernel = new Map();
for (const kernel of profile.kernels) {
  const entry = byKernel.get(kernel.name) ?? { ms: 0, calls: 0 };
  entry.ms += Number(kernel.kernelTimeMs ?? 0);
  entry.calls += 1;
  byKernel.set(kernel.name, entry);
}
const total = [...byKernel.values()].reduce((sum, entry) => sum + entry.ms, 0);
console.log(
  `${configName} batch ${rows}, ${model.parameterCount()} parameters, engine ${info.backend}: step ${wall.toFixed(0)} ms (profiled), kernels ${total.toFixed(0)} ms, ${(rows / (wall / 1000)).toFixed(0)} samples/s`,
);
for (const [name, entry] of [...byKernel].sort((a, b) => b[1].ms - a[1].ms).slice(0, 20)) {
  console.log(
    `${name.padEnd(22)} ${entry.ms.toFixed(1).padStart(9)} ms ${((100 * entry.ms) / total).toFixed(1).padStart(5)}% ${String(entry.calls).padStart(5)} calls`,
  );
}
