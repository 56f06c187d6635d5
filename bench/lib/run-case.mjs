#!/usr/bin/env node
// Child process of bench/run.mjs: runs one case file (warm-up, then repeats) and writes
// { values, label, backend, tensorsBefore, tensorsAfter } as JSON to the path in argv[3].
import { writeFileSync } from "node:fs";
import { pathToFileURL } from "node:url";

const [, , casePath, outputPath] = process.argv;
const benchCase = await import(pathToFileURL(casePath).href);
const setupResult = (await benchCase.setup?.()) ?? {};
const warmup = benchCase.warmup ?? 1;
const repeats = Number(process.env.TML_BENCH_REPEATS ?? benchCase.repeats ?? 5);
for (let index = 0; index < warmup; index++) await benchCase.run();
const { tf } = await import("./tf.mjs");
const tensorsBefore = tf.memory().numTensors;
const values = [];
for (let index = 0; index < repeats; index++) values.push(Number(await benchCase.run()));
const tensorsAfter = tf.memory().numTensors;
await benchCase.teardown?.();
writeFileSync(
  outputPath,
  JSON.stringify({
    values,
    label: setupResult.engine?.label ?? setupResult.label ?? tf.getBackend() ?? "none",
    backend: tf.getBackend() ?? "none",
    tensorsBefore,
    tensorsAfter,
    gflopsPerRun: setupResult.gflopsPerRun ?? benchCase.gflopsPerRun,
    samplesPerRun: setupResult.samplesPerRun,
  }),
);
