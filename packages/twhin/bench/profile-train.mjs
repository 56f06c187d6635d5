// Profiles twhin_train_edges_per_s steps: node --cpu-prof packages/twhin/bench/profile-train.mjs
import { buildTrainer, trainEdgesPerSecond } from "./twhin-bench.mjs";

const { loadCore } = await import("../../../bench/lib/tf.mjs");
const { selectEngine, silentLogger } = await loadCore();
await selectEngine({ device: "auto", logger: silentLogger });
const state = await buildTrainer({
  rows: Number(process.env.ROWS ?? 1_000_000),
  optimizer: { sgd: { lr: 0.01 } },
});
trainEdgesPerSecond(state, 5);
console.log("edges/s", trainEdgesPerSecond(state, Number(process.env.STEPS ?? 40)).toFixed(0));
