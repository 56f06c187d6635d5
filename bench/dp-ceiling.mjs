// Data-parallel ceiling: one local_prod training process at BATCH (argv[2]) samples per step,
// timed over STEPS steps after warm-up; prints samples/s. Two of these at 1 thread side by side
// bound what 2 data-parallel workers could reach (no gradient exchange counted):
//   TML_ENGINE_THREADS=2 node bench/dp-ceiling.mjs 512
//   TML_ENGINE_THREADS=1 node bench/dp-ceiling.mjs 256 & TML_ENGINE_THREADS=1 node bench/dp-ceiling.mjs 256
import { heavyRankerCase } from "./lib/heavy-ranker-case.mjs";

const batch = Number(process.argv[2] ?? 256);
const body = heavyRankerCase("local_prod", "train", batch);
await body.setup();
for (let i = 0; i < 2; i++) await body.run();
const steps = Number(process.env.STEPS ?? 4);
const t = performance.now();
for (let i = 0; i < steps; i++) await body.run();
console.log(
  JSON.stringify({
    batch,
    threads: process.env.TML_ENGINE_THREADS,
    samples_per_s: (batch * steps) / ((performance.now() - t) / 1000),
  }),
);
