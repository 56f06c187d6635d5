// local_prod scoring speed by process CPU time, for a machine shared with other jobs: wall-clock
// figures then swing with time-slicing, CPU time much less. Alternates rounds of PyTorch 1.13's
// one-thread forward (torch-reference/recap_reference.py's model through bench/reference/recap_bench.py,
// `time.process_time()`) and of each
// bench variant of heavy_ranker_infer_full (`process.cpuUsage()`), batch 512, and prints samples/s
// (median and best of the passes) by CPU time and by wall time. Needs the built packages.
// Usage: node packages/heavy-ranker/scripts/infer-cpu-time.mjs [rounds=3] [passes=7] [variants=onnx-fp32,onnx-int8,auto]
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../../../", import.meta.url));
const [rounds = 3, passes = 7] = process.argv.slice(2, 4).map(Number);
const variants = (process.argv[4] ?? "onnx-fp32,onnx-int8,auto").split(",");
const oneThread = { OPENBLAS_NUM_THREADS: "1", OMP_NUM_THREADS: "1", MKL_NUM_THREADS: "1" };
const summary = (label, cpu, wall) => {
  const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
  const rate = (seconds) => (512 / seconds).toFixed(0);
  return `${label}: cpu-time median ${rate(median(cpu))} best ${rate(Math.min(...cpu))} | wall median ${rate(median(wall))} best ${rate(Math.min(...wall))} samples/s`;
};

const { torchReferenceArchitecture } = await import(
  `${root}packages/heavy-ranker/dist/testing/index.js`
);
const { loadRecapConfig } = await import(`${root}packages/heavy-ranker/dist/index.js`);
const architecture = torchReferenceArchitecture(
  loadRecapConfig(`${root}packages/heavy-ranker/configs/local_prod.yaml`, {
    env: { HOME: "/tmp" },
  }),
);
const torchCode = `
import json, sys, time
sys.path.insert(0, ${JSON.stringify(`${root}bench/reference`)})
import torch
torch.set_num_threads(1)
import recap_bench
architecture = json.loads(${JSON.stringify(JSON.stringify(architecture))})
model = recap_bench.RankingModel(architecture); model.eval()
inputs, _ = recap_bench.random_batch(torch, architecture, 512)
cpu, wall = [], []
with torch.no_grad():
    for index in range(${passes} + 1):
        c, w = time.process_time(), time.perf_counter()
        torch.sigmoid(model(inputs)).sum().item()
        if index: cpu.append(time.process_time() - c); wall.append(time.perf_counter() - w)
print(json.dumps({"cpu": cpu, "wall": wall}))
`;

async function ours(variant) {
  process.env.TML_BENCH_ENGINE = variant;
  const benchCase = await import(`${root}bench/cases/heavy-ranker-infer-full.mjs`);
  await benchCase.setup();
  await benchCase.run();
  const cpu = [];
  const wall = [];
  for (let index = 0; index < passes; index++) {
    const started = process.cpuUsage();
    const began = performance.now();
    await benchCase.run();
    const used = process.cpuUsage(started);
    cpu.push((used.user + used.system) / 1e6);
    wall.push((performance.now() - began) / 1000);
  }
  await benchCase.teardown();
  console.log(JSON.stringify({ cpu, wall }));
}

function child(command, args, env) {
  const result = spawnSync(command, args, { env: { ...process.env, ...env }, encoding: "utf8" });
  if (result.status !== 0) throw new Error(`${command} failed: ${result.stderr.slice(-2000)}`);
  return JSON.parse(result.stdout.trim().split("\n").at(-1));
}

if (process.env.TML_CPU_TIME_CHILD) {
  await ours(process.env.TML_CPU_TIME_CHILD);
  process.exit(0);
}
for (let round = 0; round < rounds; round++) {
  const load = (await import("node:os")).loadavg()[0].toFixed(1);
  console.log(`round ${round + 1} (load ${load})`);
  const torch = child("/usr/bin/python3", ["-c", torchCode], oneThread);
  console.log(`  ${summary("pytorch", torch.cpu, torch.wall)}`);
  for (const variant of variants) {
    const measured = child(process.execPath, [fileURLToPath(import.meta.url)], {
      TML_CPU_TIME_CHILD: variant,
    });
    console.log(`  ${summary(variant, measured.cpu, measured.wall)}`);
  }
}
