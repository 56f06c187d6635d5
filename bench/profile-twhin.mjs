// Profiles twhin_train_edges_per_s steps: node --cpu-prof bench/profile-twhin.mjs
// ROWS (default 1,000,000) sets the table size, STEPS (default 40) the steps timed.
import { selectBenchEngine } from "./lib/tf.mjs";
import { buildTrainer, trainEdgesPerSecond } from "./lib/twhin-case.mjs";

await selectBenchEngine("auto");
const state = await buildTrainer({
  rows: Number(process.env.ROWS ?? 1_000_000),
  optimizer: { sgd: { lr: 0.01 } },
});
await trainEdgesPerSecond(state, 5);
console.log(
  "edges/s",
  (await trainEdgesPerSecond(state, Number(process.env.STEPS ?? 40))).toFixed(0),
);
