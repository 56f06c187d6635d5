import * as tf from "@tensorflow/tfjs-core";
import { BackendError, DataError } from "@tml/core";
import { loadOrtRuntime, type OrtBuffer, type OrtRuntime, type OrtSession } from "@tml/engine";
import type { ExportableRankingModel } from "../export/graph-model-export.js";
import { ONNX_OUTPUTS, rankingModelOnnx } from "../export/onnx-export.js";
import type { OnnxPrecision } from "../export/onnx-layers.js";
import { RECAP_EMBEDDING_FIELDS } from "../features/recap-batch.js";
import { largeEmbeddingIdsInput } from "../model/large-embeddings.js";
import type { RankingFeatures } from "../model/model-inputs.js";

/**
 * Row-major feature arrays by graph input name (`continuous`, `binary`, `discrete`, embeddings,
 * `ids.<table>` id bags of the large tables).
 */
export type OnnxFeatureArrays = Readonly<Record<string, Float32Array | Int32Array>>;

/** Scores of B rows: each B x T row-major, columns in task order. */
export interface OnnxScores {
  readonly logits: Float32Array;
  readonly probabilities: Float32Array;
  readonly calibratedProbabilities: Float32Array;
}

/** Options of `OnnxScorer.create`. */
export interface OnnxScorerOptions {
  /** Dense-layer precision (default "fp32"; "int8" quantises weights per output channel). */
  readonly precision?: OnnxPrecision;
  /** An onnxruntime to load into (default: `loadOrtRuntime(threads)`, owned by the scorer). */
  readonly runtime?: OrtRuntime;
  /** onnxruntime intra-op threads when the scorer loads its own runtime (default: `TML_ENGINE_THREADS`, all usable cores). */
  readonly threads?: number;
}

/**
 * Scores batches of a trained ranking model through onnxruntime: the model is compiled once to an
 * ONNX graph with its weights as initializers (prepacked at load) and every batch runs in one
 * session call. `score` takes plain typed arrays; `apply` takes the tfjs feature tensors and returns
 * tensors, so the scorer stands in for the model in `rankCandidates` and evaluation.
 */
export class OnnxScorer {
  readonly taskNames: readonly string[];
  readonly precision: OnnxPrecision;
  /** Graph inputs and their widths (`discrete` width is free: -1). */
  readonly inputs: ReadonlyMap<string, number>;
  private readonly session: OrtSession;
  private readonly ownedRuntime?: OrtRuntime;

  private constructor(
    taskNames: readonly string[],
    precision: OnnxPrecision,
    inputs: ReadonlyMap<string, number>,
    session: OrtSession,
    ownedRuntime?: OrtRuntime,
  ) {
    this.taskNames = taskNames;
    this.precision = precision;
    this.inputs = inputs;
    this.session = session;
    if (ownedRuntime) this.ownedRuntime = ownedRuntime;
  }

  /**
   * Compiles `model` and loads it. Throws BackendError when onnxruntime-node cannot load, and
   * UsageError when the model has a layer the compiler does not cover (DCN, DLRM).
   */
  static async create(
    model: ExportableRankingModel,
    options: OnnxScorerOptions = {},
  ): Promise<OnnxScorer> {
    const precision = options.precision ?? "fp32";
    const graph = await rankingModelOnnx(model, { precision });
    let runtime = options.runtime;
    let owned: OrtRuntime | undefined;
    if (!runtime) {
      const loaded = loadOrtRuntime(options.threads);
      if (!loaded.ok) {
        throw new BackendError(
          `ONNX scoring needs onnxruntime-node (${loaded.reason}); install it or score with the tfjs model`,
        );
      }
      runtime = loaded.runtime;
      owned = runtime;
    }
    const inputs = new Map(
      graph.inputs.map((input) => [
        input.name,
        typeof input.shape[1] === "number" ? input.shape[1] : -1,
      ]),
    );
    let session: OrtSession;
    try {
      session = runtime.load(graph);
    } catch (error) {
      owned?.dispose();
      throw error;
    }
    return new OnnxScorer(model.taskNames, precision, inputs, session, owned);
  }

  /** Scores `rows` examples given as row-major arrays (one per graph input). */
  score(features: OnnxFeatureArrays, rows: number): OnnxScores {
    const feeds: Record<string, OrtBuffer> = {};
    for (const [name, width] of this.inputs) {
      const data = features[name];
      if (!data)
        throw new DataError(`ONNX scoring: the batch has no ${name}, which the model reads`);
      const columns = width >= 0 ? width : data.length / Math.max(rows, 1);
      if (data.length !== rows * columns || !Number.isInteger(columns)) {
        throw new DataError(
          `ONNX scoring: ${name} has ${data.length} values; ${rows} rows of ${width >= 0 ? width : "D"} columns expected`,
        );
      }
      const expected = isIntegerInput(name) ? Int32Array : Float32Array;
      if (!(data instanceof expected)) {
        throw new DataError(`ONNX scoring: ${name} must be a ${expected.name}`);
      }
      feeds[name] = { data, shape: [rows, columns] };
    }
    const taskCount = this.taskNames.length;
    const outputs = ONNX_OUTPUTS.map(() => new Float32Array(rows * taskCount));
    const fetches = Object.fromEntries(
      ONNX_OUTPUTS.map((name, index) => [
        name,
        { data: outputs[index] as Float32Array, shape: [rows, taskCount] },
      ]),
    );
    this.session.run(feeds, fetches);
    const [logits, probabilities, calibratedProbabilities] = outputs as [
      Float32Array,
      Float32Array,
      Float32Array,
    ];
    return { logits, probabilities, calibratedProbabilities };
  }

  /**
   * The tfjs model's inference signature: feature tensors → B x T output tensors (the caller
   * disposes them). Only inference: the context must say `training: false`. The feature tensors
   * are read asynchronously, all at once (GPU backends have no synchronous read in Node).
   */
  async apply(
    features: RankingFeatures,
    _context: { readonly training: false },
  ): Promise<{
    logits: tf.Tensor2D;
    probabilities: tf.Tensor2D;
    calibratedProbabilities: tf.Tensor2D;
  }> {
    const rows = features.continuous.shape[0];
    const arrays: Record<string, Float32Array | Int32Array> = {};
    const reads: Promise<void>[] = [];
    for (const [name, width] of this.inputs) {
      if (name.startsWith(IDS_PREFIX)) {
        const bags = features.ids?.[name.slice(IDS_PREFIX.length)];
        if (!bags)
          throw new DataError(`batch has no ${name}, but the model reads it (large_embeddings)`);
        arrays[name] = bags.values;
        continue;
      }
      const tensor = tensorFor(features, name);
      if (width >= 0 && tensor.shape[1] !== width) {
        throw new DataError(
          `batch has ${tensor.shape[1]} ${name} columns; the model was built for ${width} (check truncate_and_slice)`,
        );
      }
      reads.push(
        tensor.data().then((data) => {
          arrays[name] = name === "discrete" ? Int32Array.from(data) : (data as Float32Array);
        }),
      );
    }
    await Promise.all(reads);
    const scores = this.score(arrays, rows);
    const shape: [number, number] = [rows, this.taskNames.length];
    return {
      logits: tf.tensor2d(scores.logits, shape),
      probabilities: tf.tensor2d(scores.probabilities, shape),
      calibratedProbabilities: tf.tensor2d(scores.calibratedProbabilities, shape),
    };
  }

  /** Frees the session (and the runtime when the scorer loaded it). */
  dispose(): void {
    this.session.dispose();
    this.ownedRuntime?.dispose();
  }
}

const IDS_PREFIX = largeEmbeddingIdsInput("");

function isIntegerInput(name: string): boolean {
  return name === "discrete" || name.startsWith(IDS_PREFIX);
}

function tensorFor(features: RankingFeatures, name: string): tf.Tensor2D {
  if (name === "continuous" || name === "binary" || name === "discrete") return features[name];
  const field = RECAP_EMBEDDING_FIELDS[name as keyof typeof RECAP_EMBEDDING_FIELDS];
  const tensor = field ? features[field] : undefined;
  if (!tensor) {
    throw new DataError(`batch has no ${name}, but the model was built with it (renamed_features)`);
  }
  return tensor;
}
