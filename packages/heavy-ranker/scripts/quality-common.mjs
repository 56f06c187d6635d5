// Shared helpers of the quality scripts: engine set-up, batching of in-memory rows, the training
// loop with per-epoch validation and early stopping. Scripts run against the built packages
// (`pnpm turbo run build --filter @tml/heavy-ranker...`).
import * as tf from "@tensorflow/tfjs-core";
import { createLogger, Rng } from "@tml/core";
import { installTfjsResolveHook, selectEngine } from "@tml/engine";
import { RecapTrainTask } from "@tml/heavy-ranker";

installTfjsResolveHook();

/** Picks the engine (wasm + fast kernels when available) and returns its description. */
export async function setUpEngine(device = process.env.TML_DEVICE ?? "cpu") {
  const logger = createLogger({ name: "quality", level: "warn" });
  const info = await selectEngine({ device, logger });
  return `${info.backend} (${info.reason})`;
}

/**
 * In-memory dataset: `discrete` Int32Array rows × fields, optional `continuous` Float32Array rows ×
 * C and `binary` rows × Bn, `labels` Float32Array rows × T. Batches are RecapBatch objects (caller disposes).
 */
export function makeBatch(data, indices, taskNames) {
  const rows = indices.length;
  const fields = data.fields;
  const width = data.continuousWidth ?? 0;
  const binaryWidth = data.binaryWidth ?? 0;
  const tasks = taskNames.length;
  const discrete = new Int32Array(rows * fields);
  const continuous = new Float32Array(rows * width);
  const binary = new Float32Array(rows * binaryWidth);
  const labels = new Float32Array(rows * tasks);
  for (let r = 0; r < rows; r++) {
    const source = indices[r];
    discrete.set(data.discrete.subarray(source * fields, (source + 1) * fields), r * fields);
    if (width > 0)
      continuous.set(data.continuous.subarray(source * width, (source + 1) * width), r * width);
    if (binaryWidth > 0)
      binary.set(
        data.binary.subarray(source * binaryWidth, (source + 1) * binaryWidth),
        r * binaryWidth,
      );
    labels.set(data.labels.subarray(source * tasks, (source + 1) * tasks), r * tasks);
  }
  return {
    size: rows,
    continuous: tf.tensor2d(continuous, [rows, width]),
    binary: tf.tensor2d(binary, [rows, binaryWidth]),
    discrete: tf.tensor2d(discrete, [rows, fields], "int32"),
    labels: tf.tensor2d(labels, [rows, tasks]),
    weights: tf.ones([rows, tasks]),
    taskNames,
  };
}

/** Batches over `data` in order (evaluation) or shuffled with `rng` (training). */
export function* batches(data, batchSize, taskNames, rng) {
  const order = Array.from({ length: data.rows }, (_, i) => i);
  if (rng) rng.shuffle(order);
  for (let start = 0; start < data.rows; start += batchSize) {
    const end = Math.min(start + batchSize, data.rows);
    if (rng && end - start < batchSize) break; // drop_remainder in training
    yield makeBatch(data, order.slice(start, end), taskNames);
  }
}

/**
 * Trains `model` for up to `epochs` epochs with per-epoch validation; keeps the weights of the
 * best validation `selectMetric` and stops after `patience` epochs without improvement.
 * `onEpoch(history)` runs after each epoch (e.g. to save progress). Returns
 * { best, history, trainSeconds }.
 */
export async function trainWithEarlyStopping({
  model,
  config,
  train,
  valid,
  taskNames,
  batchSize,
  epochs,
  patience,
  selectMetric,
  seed = 0,
  log = console.log,
  onEpoch,
}) {
  const task = new RecapTrainTask({
    model,
    config,
    seed,
    evalData: () => batches(valid, 8192, taskNames),
  });
  const rng = new Rng(seed);
  let best = { score: -Infinity, epoch: -1, state: undefined, metrics: undefined };
  const history = [];
  let trainSeconds = 0;
  for (let epoch = 0; epoch < epochs; epoch++) {
    const began = performance.now();
    let lossSum = 0;
    let steps = 0;
    for (const batch of batches(train, batchSize, taskNames, rng)) {
      lossSum += (await task.trainStep(batch)).loss;
      steps += 1;
      for (const key of ["continuous", "binary", "discrete", "labels", "weights"])
        batch[key].dispose();
    }
    const seconds = (performance.now() - began) / 1000;
    trainSeconds += seconds;
    const metrics = await task.evaluate();
    const score = metrics[selectMetric];
    history.push({ epoch, loss: lossSum / steps, seconds, valid: metrics });
    log(
      `epoch ${epoch}: loss ${(lossSum / steps).toFixed(4)} ${seconds.toFixed(1)}s (${((steps * batchSize) / seconds).toFixed(0)} ex/s) valid ${selectMetric} ${score.toFixed(4)} tensors ${tf.memory().numTensors}`,
    );
    onEpoch?.(history);
    if (score > best.score) {
      best = { score, epoch, state: await task.getState(), metrics };
    } else if (epoch - best.epoch >= patience) {
      break;
    }
  }
  if (best.state) task.loadWeights(best.state);
  task.dispose();
  return { best, history, trainSeconds };
}

/** Metrics of `model` on `data` (eval mode). */
export async function evaluateOn(model, config, data, taskNames) {
  const task = new RecapTrainTask({
    model,
    config,
    evalData: () => batches(data, 8192, taskNames),
  });
  const metrics = await task.evaluate();
  task.dispose();
  return metrics;
}
