#!/usr/bin/env node
// Child process of bench/run.mjs: runs one case file (warm-up, then repeats) and writes
// { values, label, backend, engineThreads, tensorsBefore, tensorsAfter, gflopsPerRun, flopsPerItem }
// as JSON to the path in argv[3].
import { writeFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { getFlag, UsageError } from "@tml/core";
import { SINGLE_THREAD_ENGINES } from "./thread-settings.mjs";

const [, , casePath, outputPath] = process.argv;
const benchCase = await import(pathToFileURL(casePath).href);
const setupResult = (await benchCase.setup?.()) ?? {};
const warmup = benchCase.warmup ?? 1;
const repeats = Number(process.env.TML_BENCH_REPEATS ?? benchCase.repeats ?? 5);
if (!Number.isInteger(repeats) || repeats < 1)
  throw new UsageError(
    `TML_BENCH_REPEATS=${process.env.TML_BENCH_REPEATS}: expected a positive integer`,
  );
for (let index = 0; index < warmup; index++) await benchCase.run();
const { tf } = await import("./tf.mjs");
const tensorsBefore = tf.memory().numTensors;
const values = [];
for (let index = 0; index < repeats; index++) values.push(Number(await benchCase.run()));
const tensorsAfter = tf.memory().numTensors;
await benchCase.teardown?.();
// The engine's onnxruntime threads (TML_ENGINE_THREADS or its default), unless the case sized its
// own pool; engines that never reach onnxruntime run on one.
const engineThreads =
  setupResult.engineThreads ??
  (SINGLE_THREAD_ENGINES.includes(process.env.TML_BENCH_ENGINE)
    ? 1
    : getFlag("TML_ENGINE_THREADS"));
writeFileSync(
  outputPath,
  JSON.stringify({
    values,
    label: setupResult.engine?.label ?? setupResult.label ?? tf.getBackend() ?? "none",
    backend: tf.getBackend() ?? "none",
    engineThreads,
    tensorsBefore,
    tensorsAfter,
    gflopsPerRun: setupResult.gflopsPerRun ?? benchCase.gflopsPerRun,
    flopsPerItem: setupResult.flopsPerItem ?? benchCase.flopsPerItem,
  }),
);
