// Shared body of the Heavy Ranker cases: the real model (@tml/heavy-ranker's built dist) from one
// of its configs, trained with RecapTrainTask (multi-task BCE, per-tower Adam) or scored, on a
// fixed random batch shaped like the config's inputs.
import { fileURLToPath } from "node:url";
import { forwardFlopsPerSample, trainFlopsPerSample } from "./model-flops.mjs";
import { selectBenchEngine, tf } from "./tf.mjs";

// The YAML configs @tml/heavy-ranker ships beside its dist (package.json "files").
const CONFIGS = fileURLToPath(new URL("../configs/", import.meta.resolve("@tml/heavy-ranker")));

function uniform(size, seed, transform = (value) => value) {
  const values = new Float32Array(size);
  let state = seed >>> 0;
  for (let index = 0; index < size; index++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    values[index] = transform(state / 4294967296);
  }
  return values;
}

function randomBatch(model, shapes, batchSize) {
  const tasks = model.taskNames;
  const batch = {
    size: batchSize,
    continuous: tf.tensor2d(
      uniform(batchSize * shapes.continuousWidth, 1, (u) => u * 10),
      [batchSize, shapes.continuousWidth],
    ),
    binary: tf.tensor2d(
      uniform(batchSize * shapes.binaryWidth, 2, (u) => (u > 0.7 ? 1 : 0)),
      [batchSize, shapes.binaryWidth],
    ),
    discrete: tf.zeros([batchSize, 1], "int32"),
    labels: tf.tensor2d(
      uniform(batchSize * tasks.length, 3, (u) => (u > 0.9 ? 1 : 0)),
      [batchSize, tasks.length],
    ),
    weights: tf.ones([batchSize, tasks.length]),
    taskNames: tasks,
  };
  const fields = {
    user_embedding: "userEmbedding",
    user_eng_embedding: "userEngEmbedding",
    author_embedding: "authorEmbedding",
  };
  for (const [name, field] of Object.entries(fields)) {
    if (shapes.embeddingNames.includes(name))
      batch[field] = tf.tensor2d(
        uniform(batchSize * 200, 4, (u) => u - 0.5),
        [batchSize, 200],
      );
  }
  return batch;
}

/** The batch as the ONNX scorer's row-major arrays, keyed by graph input name. */
function featureArrays(batch) {
  const arrays = {
    continuous: batch.continuous.dataSync(),
    binary: batch.binary.dataSync(),
    discrete: Int32Array.from(batch.discrete.dataSync()),
  };
  for (const [name, field] of Object.entries({
    user_embedding: "userEmbedding",
    user_eng_embedding: "userEngEmbedding",
    author_embedding: "authorEmbedding",
  })) {
    if (batch[field]) arrays[name] = batch[field].dataSync();
  }
  return arrays;
}

/**
 * A case over `<config>.yaml`: mode "train" (ms/step) or "infer" (ms/batch). `options.scorer`
 * ("fp32" | "int8") scores through the compiled ONNX model (OnnxScorer, one onnxruntime session)
 * instead of the tfjs forward pass; the model is still built with tfjs on the default engine.
 */
export function heavyRankerCase(configName, mode, batchSize, options = {}) {
  let model;
  let task;
  let batch;
  let hr;
  let scorer;
  let arrays;
  return {
    async setup() {
      let engine = await selectBenchEngine();
      hr = await import("@tml/heavy-ranker");
      const config = hr.loadRecapConfig(`${CONFIGS}${configName}.yaml`, { env: { HOME: "/tmp" } });
      const widths = hr.truncatedWidths(config);
      const renamed = Object.keys(config.train_data.seg_dense_schema.renamed_features ?? {});
      const shapes = {
        continuousWidth: widths.continuousWidth ?? 2117,
        binaryWidth: widths.binaryWidth ?? 59,
        embeddingNames: renamed.filter((name) => name.endsWith("embedding")),
      };
      model = hr.buildRankingModel(config, {
        continuousWidth: shapes.continuousWidth,
        binaryWidth: shapes.binaryWidth,
      });
      if (mode === "train") {
        task = new hr.RecapTrainTask({
          model,
          config: {
            optimizer: config.optimizer,
            training: { ...config.training, gradient_accumulation: null },
          },
          seed: 1,
        });
      }
      batch = randomBatch(model, shapes, batchSize);
      // FLOP per sample of the matrix products (local_prod: 96.1 M forward, 288.4 M per train
      // sample). None for int8 scoring: its products are integer, and the peak is fp32 sgemm.
      const flopsPerItem =
        options.scorer === "int8"
          ? undefined
          : mode === "train"
            ? trainFlopsPerSample(model)
            : forwardFlopsPerSample(model);
      if (options.scorer) {
        // Intra-op threads from TML_ENGINE_THREADS (OnnxScorer's default), as the evaluator's
        // --scorer onnx-* runs.
        scorer = await hr.OnnxScorer.create(model, { precision: options.scorer });
        arrays = featureArrays(batch);
        engine = {
          ...engine,
          label: `onnxruntime-node ${options.scorer} (compiled ONNX graph)`,
        };
      }
      return { engine, flopsPerItem };
    },
    async run() {
      const start = performance.now();
      if (mode === "train") {
        await task.trainStep(batch);
      } else if (scorer) {
        scorer.score(arrays, batchSize);
      } else {
        const outputs = model.apply(batch, { training: false });
        outputs.probabilities.dataSync();
        tf.dispose(outputs);
      }
      return performance.now() - start;
    },
    async teardown() {
      hr.disposeRecapBatch(batch);
      scorer?.dispose();
      task?.dispose();
      model.dispose();
    },
  };
}

/** Variants of the inference cases: the tfjs model, then the compiled ONNX graph in fp32 and int8. */
export const INFER_ENGINES = ["auto", "onnx-fp32", "onnx-int8"];

/**
 * setup / run / teardown of an inference case over `<config>.yaml`, for the variant named by
 * TML_BENCH_ENGINE (see INFER_ENGINES); `run` returns samples per second. The ONNX variants build
 * the model with tfjs on the default engine, then score through OnnxScorer.
 */
export function heavyRankerInferCase(configName, batchSize) {
  const variant = process.env.TML_BENCH_ENGINE ?? "auto";
  const scorer = variant.startsWith("onnx-") ? variant.slice("onnx-".length) : undefined;
  if (scorer) process.env.TML_BENCH_ENGINE = "auto";
  const body = heavyRankerCase(configName, "infer", batchSize, { scorer });
  return {
    setup: body.setup,
    teardown: body.teardown,
    run: async () => batchSize / ((await body.run()) / 1000),
  };
}
