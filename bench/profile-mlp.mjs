#!/usr/bin/env node
// Per-kernel time of one Heavy-Ranker-shaped training step (batch 512, full tower) on the
// selected engine: `nice node bench/profile-mlp.mjs [steps]` after `turbo run build`.
// TML_BENCH_ENGINE=wasm-stock|wasm-xnnpack|auto picks the engine (see bench/lib/tf.mjs).
import { buildMlp, FULL_LAYERS, randomBatch } from "./lib/mlp-proxy.mjs";
import { selectBenchEngine, tf } from "./lib/tf.mjs";

const engine = await selectBenchEngine();
const layers = process.env.TML_PROFILE_LAYERS
  ? JSON.parse(process.env.TML_PROFILE_LAYERS)
  : FULL_LAYERS;
const batch = Number(process.env.TML_PROFILE_BATCH ?? 512);
const mlp = buildMlp(layers);
const { x, y } = randomBatch(layers[0], batch);
mlp.step(x, y); // warm-up: sessions, allocations
const steps = Number(process.argv[2] ?? 2);
const totals = new Map();
let wall = 0;
for (let step = 0; step < steps; step++) {
  const start = performance.now();
  const profile = await tf.profile(() => {
    mlp.step(x, y);
  });
  wall += performance.now() - start;
  for (const kernel of profile.kernels) {
    const time = typeof kernel.kernelTimeMs === "number" ? kernel.kernelTimeMs : 0;
    const entry = totals.get(kernel.name) ?? { ms: 0, calls: 0 };
    entry.ms += time / steps;
    entry.calls += 1 / steps;
    totals.set(kernel.name, entry);
  }
}
const rows = [...totals.entries()].sort((a, b) => b[1].ms - a[1].ms);
const kernelMs = rows.reduce((sum, [, entry]) => sum + entry.ms, 0);
console.log(`engine ${engine.label}; layers ${layers.join("→")}; batch ${batch}`);
console.log(
  `step wall ${(wall / steps).toFixed(1)} ms (profiled), kernels ${kernelMs.toFixed(1)} ms`,
);
for (const [name, entry] of rows.slice(0, 25)) {
  console.log(
    `${name.padEnd(24)} ${entry.ms.toFixed(1).padStart(8)} ms  ${entry.calls.toFixed(0).padStart(4)} calls  ${((100 * entry.ms) / kernelMs).toFixed(1).padStart(5)}%`,
  );
}
mlp.dispose();
tf.dispose([x, y]);
