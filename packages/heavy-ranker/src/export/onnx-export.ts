import { UsageError, writeFileAtomic } from "@tml/core";
import { encodeOnnxModel, type OnnxGraph } from "@tml/engine";
import type { RecapModelConfig, TaskModelConfig } from "../config/model-config.js";
import { sanitizeTaskName } from "../model/calibration.js";
import { largeEmbeddingIdsInput, largeEmbeddingWeightName } from "../model/large-embeddings.js";
import type { ExportableRankingModel } from "./graph-model-export.js";
import { readHostWeights } from "./host-weights.js";
import { OnnxBuilder } from "./onnx-builder.js";
import { type OnnxPrecision, RecapOnnxLayers } from "./onnx-layers.js";
import type { HostTable } from "./state-dict.js";

/** Names of the compiled model's outputs, each [batch, T] in task order. */
export const ONNX_OUTPUTS = ["logits", "probabilities", "calibrated_probabilities"] as const;

/** The TwHIN embedding inputs, in the model's order of concatenation. */
export const ONNX_EMBEDDING_INPUTS = [
  "user_embedding",
  "user_eng_embedding",
  "author_embedding",
] as const;

/** Options of `rankingModelOnnx`. */
export interface RankingModelOnnxOptions {
  /** Dense-layer precision (default "fp32"). */
  readonly precision?: OnnxPrecision;
}

/**
 * Non-finite → 0, then sign(x) · log1p(|x|), with log1p(a) = log(u) · a / (u − 1) for u = 1 + a
 * (and a where u rounds to 1): exact to float32 rounding for small a, unlike log(1 + a).
 */
function signedLog1p(builder: OnnxBuilder, x: string): string {
  const invalid = builder.op("Or", [builder.op("IsNaN", [x]), builder.op("IsInf", [x])]);
  const clean = builder.op("Where", [invalid, builder.scalar(0), x]);
  const magnitude = builder.op("Abs", [clean]);
  const shifted = builder.op("Add", [magnitude, builder.scalar(1)]);
  const step = builder.op("Sub", [shifted, builder.scalar(1)]);
  const corrected = builder.op("Mul", [
    builder.op("Log", [shifted]),
    builder.op("Div", [magnitude, step]),
  ]);
  const tiny = builder.op("Equal", [step, builder.scalar(0)]);
  const log1p = builder.op("Where", [tiny, magnitude, corrected]);
  return builder.op("Mul", [builder.op("Sign", [clean]), log1p]);
}

function featurize(
  layers: RecapOnnxLayers,
  continuous: string,
  binary: string | undefined,
  config: RecapModelConfig,
  continuousWidth: number,
  outWidth: number,
): string {
  const builder = layers.builder;
  let net = signedLog1p(builder, continuous);
  for (let position = 2; ; position++) {
    const prefix = `_preprocessor._before_concat_layers.${position}`;
    if (layers.has(`${prefix}.layer.running_mean`)) {
      net = layers.batchNorm(net, `${prefix}.layer`, continuousWidth);
    } else if (layers.has(`${prefix}.min_value`)) {
      net = builder.op("Clip", [
        net,
        layers.tensor(`${prefix}.min_value`),
        layers.tensor(`${prefix}.max_value`),
      ]);
    } else if (layers.has(`${prefix}.mean`)) {
      const centered = builder.op("Sub", [net, layers.tensor(`${prefix}.mean`)]);
      net = builder.op("Div", [centered, layers.tensor(`${prefix}.std`)]);
    } else break;
  }
  if (binary) net = layers.concat([net, binary]);
  const layerNorm = config.featurization_config?.double_norm_log_config?.layer_norm_config;
  return layerNorm
    ? layers.layerNorm(net, "_preprocessor.layer_norm.layer", layerNorm.epsilon, outWidth)
    : net;
}

/** Rows of small table `name` for ids `discrete[:, index]` taken modulo the table size. */
function smallEmbedding(
  layers: RecapOnnxLayers,
  discrete: string,
  table: { name: string; num_embeddings: number; index: number },
): string {
  const builder = layers.builder;
  const column = builder.constant(
    `${table.name}.column`,
    BigInt64Array.of(BigInt(table.index)),
    [],
    "int64",
  );
  const ids = builder.op("Gather", [discrete, column], { axis: { int: 1 } }); // [B]
  const size = builder.constant(
    `${table.name}.size`,
    Int32Array.of(table.num_embeddings),
    [],
    "int32",
  );
  const wrapped = builder.op("Mod", [ids, size], { fmod: { int: 0 } }); // sign of the divisor
  return builder.op("Gather", [layers.tensor(`_small_embeddings.${table.name}.weight`), wrapped]);
}

/**
 * Pooled rows of a large table for its id bags: Gather of the table (an initializer) at the ids
 * modulo its size, padding masked out, then ReduceSum over the bag (÷ max(count, 1) for mean).
 */
function largeEmbedding(
  builder: OnnxBuilder,
  table: { name: string; pooling: "sum" | "mean" },
  values: HostTable,
): string {
  const [rows, dim] = values.shape as [number, number];
  const ids = builder.input(
    largeEmbeddingIdsInput(table.name),
    ["batch", `${table.name}_bag`],
    "int32",
  );
  const weight = builder.constant(`large_embeddings.${table.name}.weight`, values.toFloat32(), [
    rows,
    dim,
  ]);
  const zero = builder.constant(`${table.name}.zero`, Int32Array.of(0), [], "int32");
  const size = builder.constant(`${table.name}.size`, Int32Array.of(rows), [], "int32");
  const present = builder.op("Cast", [builder.op("GreaterOrEqual", [ids, zero])], {
    to: { int: 1 },
  }); // [B, n] float 0/1
  const wrapped = builder.op("Mod", [builder.op("Max", [ids, zero]), size], { fmod: { int: 0 } });
  const gathered = builder.op("Gather", [weight, wrapped]); // [B, n, dim]
  const mask = builder.op("Unsqueeze", [present, builder.int64s("bag_mask_axis", [2])]);
  const bagAxis = builder.int64s("bag_axis", [1]);
  const pooled = builder.op("ReduceSum", [builder.op("Mul", [gathered, mask]), bagAxis], {
    keepdims: { int: 0 },
  }); // [B, dim]
  if (table.pooling === "sum") return pooled;
  const count = builder.op("ReduceSum", [present, bagAxis], { keepdims: { int: 1 } }); // [B, 1]
  return builder.op("Div", [pooled, builder.op("Max", [count, builder.scalar(1)])]);
}

/** Position debiasing at inference: row 0 ("position unknown") for every example. */
function positionRow(layers: RecapOnnxLayers, discrete: string, width: number): string {
  const builder = layers.builder;
  const table = layers.values("_position_debias.embedding.weight").data;
  const row = builder.constant("position_unknown", table.slice(0, width), [1, width]);
  const batch = builder.op("Slice", [
    builder.op("Shape", [discrete]),
    builder.int64s("first", [0]),
    builder.int64s("one", [1]),
  ]);
  const shape = builder.op("Concat", [batch, builder.int64s("width", [width])], {
    axis: { int: 0 },
  });
  return builder.op("Expand", [row, shape]);
}

/**
 * Compiles a ranking model (inference mode) to one ONNX graph with its weights as initializers.
 * Inputs (batch dimension symbolic): `continuous` [B, C] and `binary` [B, Bn] float32 when the
 * model featurizes them, the TwHIN embeddings it was built with ([B, 200] float32 each), and
 * `ids.<table>` [B, n] int32 per large embedding table (its id bags; the table becomes a Gather of
 * an initializer, so it must fit ONNX's 2 GB protobuf), and
 * `discrete` [B, D] int32 when it has small embedding tables or position debiasing. Outputs
 * `logits`, `probabilities`, `calibrated_probabilities`, [B, T] in task order. Covers
 * featurization, batch norm (running statistics, folded into the next product), layer norm, MLP,
 * MaskNet, small embeddings, position debiasing, affine maps and calibration; DCN or DLRM networks
 * raise a UsageError naming the layer. The weights are read asynchronously, all at once, so it runs
 * on GPU backends too.
 */
export async function rankingModelOnnx(
  model: ExportableRankingModel,
  options: RankingModelOnnxOptions = {},
): Promise<OnnxGraph> {
  const { config, continuousWidth, binaryWidth } = model.options;
  const builder = new OnnxBuilder();
  const weights = await readHostWeights(model.namedWeights());
  const layers = new RecapOnnxLayers(builder, weights, options.precision ?? "fp32");
  const concatBinary =
    !config.featurization_config ||
    config.featurization_config.feature_names_to_concat.includes("binary");
  const featureWidth = continuousWidth + (concatBinary ? binaryWidth : 0);
  const parts: string[] = [];
  const segments: number[] = [];
  if (featureWidth > 0) {
    const continuous = builder.input("continuous", ["batch", continuousWidth]);
    const binary = concatBinary ? builder.input("binary", ["batch", binaryWidth]) : undefined;
    parts.push(featurize(layers, continuous, binary, config, continuousWidth, featureWidth));
    segments.push(featureWidth);
  }
  const embeddingWidth = model.options.embeddingWidth ?? 200;
  for (const name of ONNX_EMBEDDING_INPUTS) {
    if (!layers.has(`_${name}_layer_norm.weight`)) continue;
    const input = builder.input(name, ["batch", embeddingWidth]);
    parts.push(layers.layerNorm(input, `_${name}_layer_norm`, 1e-5, embeddingWidth));
    segments.push(embeddingWidth);
  }
  const tables = model.namedTables?.() ?? new Map();
  for (const table of config.large_embeddings?.tables ?? []) {
    const values = tables.get(largeEmbeddingWeightName(table.name));
    if (!values) throw new UsageError(`ONNX export: the model has no large table ${table.name}`);
    parts.push(largeEmbedding(builder, table, values));
    segments.push(table.embedding_dim);
  }
  const needsDiscrete = Boolean(config.small_embeddings || config.position_debias_config);
  const discrete = needsDiscrete
    ? builder.input("discrete", ["batch", "discrete_width"], "int32")
    : "";
  for (const table of config.small_embeddings?.tables ?? []) {
    parts.push(smallEmbedding(layers, discrete, table));
    segments.push(table.embedding_dim);
  }
  if (config.position_debias_config) {
    parts.push(positionRow(layers, discrete, config.position_debias_config.num_dims));
    segments.push(config.position_debias_config.num_dims);
  }
  if (parts.length === 0) {
    throw new UsageError("ONNX export: the model reads no features (no inputs to compile)");
  }
  const input = layers.concat(parts);
  const inputWidth = segments.reduce((total, width) => total + width, 0);
  let net = input;
  let netWidth = inputWidth;
  if (config.multi_task_type !== "share_none" && config.backbone) {
    const backboneWidth = networkWidth(config.backbone, inputWidth);
    const backbone = layers.taskNetwork(input, "_backbone", config.backbone, inputWidth);
    const shareAll = config.multi_task_type === "share_all";
    net = shareAll ? backbone : layers.concat([input, backbone]);
    netWidth = shareAll ? backboneWidth : inputWidth + backboneWidth;
  }
  const logits = model.taskNames.map((task) => {
    const key = sanitizeTaskName(task);
    const taskConfig = config.tasks[task] as NonNullable<RecapModelConfig["tasks"][string]>;
    const logit = layers.taskNetwork(net, `_towers.${key}`, taskConfig, netWidth);
    if (!layers.has(`_affine_maps.${key}.weight`)) return logit;
    const scaled = builder.op("Mul", [logit, layers.tensor(`_affine_maps.${key}.weight`)]);
    return builder.op("Add", [scaled, layers.tensor(`_affine_maps.${key}.bias`)]);
  });
  const stacked = layers.concat(logits);
  const probabilities = builder.op("Sigmoid", [stacked]);
  const ratios = Float32Array.from(model.taskNames, (task) => {
    const key = `_calibrators.${sanitizeTaskName(task)}.ratio`;
    return layers.has(key) ? (layers.values(key).data[0] as number) : 1;
  });
  const scaled = builder.op("Mul", [
    probabilities,
    builder.constant("calibration_ratios", ratios, [ratios.length]),
  ]);
  const denominator = builder.op("Add", [
    builder.op("Sub", [builder.scalar(1), probabilities]),
    scaled,
  ]);
  const calibrated = builder.op("Div", [scaled, denominator]);
  const taskCount = model.taskNames.length;
  [stacked, probabilities, calibrated].forEach((value, index) => {
    builder.output(value, ONNX_OUTPUTS[index] as string, ["batch", taskCount]);
  });
  return builder.graph("tml_heavy_ranker");
}

/** Output width of a backbone network (MLP or MaskNet) on `inputWidth` features. */
function networkWidth(config: TaskModelConfig, inputWidth: number): number {
  const mlp = config.mlp_config ?? config.mask_net_config?.mlp;
  if (mlp) return mlp.layer_sizes[mlp.layer_sizes.length - 1] as number;
  const maskNet = config.mask_net_config;
  if (!maskNet) return inputWidth;
  const sizes = maskNet.mask_blocks.map((block) => block.output_size);
  return maskNet.use_parallel
    ? sizes.reduce((total, size) => total + size, 0)
    : (sizes[sizes.length - 1] as number);
}

/**
 * Writes the compiled model to an `.onnx` file (temp file + rename), loadable by any ONNX runtime
 * with the com.microsoft domain (int8 uses its DynamicQuantizeMatMul). Returns the byte count.
 */
export async function saveRankingModelOnnx(
  model: ExportableRankingModel,
  path: string,
  options: RankingModelOnnxOptions = {},
): Promise<number> {
  const bytes = encodeOnnxModel(await rankingModelOnnx(model, options));
  writeFileAtomic(path, bytes);
  return bytes.length;
}
