import type * as tf from "@tensorflow/tfjs-core";
import { UsageError } from "@tml/core";
import type { RecapModelConfig } from "../config/model-config.js";
import { largeEmbeddingIdsInput, largeEmbeddingWeightName } from "../model/large-embeddings.js";
import { attr, GraphBuilder } from "./graph-builder.js";
import { readHostWeights } from "./host-weights.js";
import { RecapGraphLayers } from "./recap-graph-layers.js";
import type { HostTable, StateDictModel } from "./state-dict.js";

/** A trained ranking model the graph export reads (MultiTaskRankingModel satisfies it). */
export interface ExportableRankingModel extends StateDictModel {
  readonly taskNames: readonly string[];
  readonly options: {
    readonly config: RecapModelConfig;
    readonly continuousWidth: number;
    readonly binaryWidth: number;
    readonly embeddingWidth?: number;
  };
}

/** Names of the exported graph's outputs, each [B, T] in task order. */
export const GRAPH_OUTPUTS = ["logits", "probabilities", "calibrated_probabilities"] as const;

const EMBEDDINGS = ["user_embedding", "user_eng_embedding", "author_embedding"] as const;
const sanitize = (task: string) => task.replaceAll(".", "__");

const isIntegerInput = (name: string) =>
  name === "discrete" || name.startsWith(largeEmbeddingIdsInput(""));

function tensorInfo(name: string, shape: readonly number[]): object {
  return {
    name: `${name}:0`,
    dtype: isIntegerInput(name) ? "DT_INT32" : "DT_FLOAT",
    tensorShape: { dim: shape.map((size) => ({ size: String(size) })) },
  };
}

function featurize(
  layers: RecapGraphLayers,
  continuous: string,
  binary: string,
  config: RecapModelConfig,
): string {
  const graph = layers.graph;
  const clean = graph.op("SelectV2", [
    graph.op("IsFinite", [continuous]),
    continuous,
    graph.op("ZerosLike", [continuous]),
  ]);
  let net = graph.op("Mul", [
    graph.op("Sign", [clean]),
    graph.op("Log1p", [graph.op("Abs", [clean])]),
  ]);
  for (let position = 2; ; position++) {
    const prefix = `_preprocessor._before_concat_layers.${position}`;
    if (layers.has(`${prefix}.layer.running_mean`)) net = layers.batchNorm(net, `${prefix}.layer`);
    else if (layers.has(`${prefix}.min_value`)) {
      net = graph.op("ClipByValue", [
        net,
        layers.tensor(`${prefix}.min_value`),
        layers.tensor(`${prefix}.max_value`),
      ]);
    } else if (layers.has(`${prefix}.mean`)) {
      net = graph.op("RealDiv", [
        graph.op("Sub", [net, layers.tensor(`${prefix}.mean`)]),
        layers.tensor(`${prefix}.std`),
      ]);
    } else break;
  }
  const featurization = config.featurization_config;
  if (!featurization || featurization.feature_names_to_concat.includes("binary"))
    net = layers.concat([net, binary]);
  const layerNorm = featurization?.double_norm_log_config?.layer_norm_config;
  return layerNorm
    ? layers.layerNorm(net, "_preprocessor.layer_norm.layer", layerNorm.epsilon)
    : net;
}

/** Rows of a small embedding table for `discrete[:, index]` (ids taken modulo the table size). */
function smallEmbedding(
  layers: RecapGraphLayers,
  discrete: string,
  table: { name: string; num_embeddings: number; index: number },
): string {
  const graph = layers.graph;
  const int32 = { T: { type: "DT_INT32" } };
  const column = graph.op(
    "Slice",
    [
      discrete,
      graph.constant("slice_begin", Int32Array.of(0, table.index), [2]),
      graph.constant("slice_size", Int32Array.of(-1, 1), [2]),
    ],
    int32,
  );
  const ids = graph.op("Reshape", [column, graph.constant("flat", Int32Array.of(-1), [1])], int32);
  const wrapped = graph.op(
    "FloorMod",
    [ids, graph.constant("table_size", Int32Array.of(table.num_embeddings), [])],
    int32,
  );
  const axis = graph.constant("axis_rows", Int32Array.of(0), []);
  return graph.op(
    "GatherV2",
    [layers.tensor(`_small_embeddings.${table.name}.weight`), wrapped, axis],
    {
      batch_dims: { i: "0" },
    },
  );
}

/**
 * Pooled rows of a large table for its id bags `ids` [B, n]: GatherV2 of the table (a weight) at the
 * ids modulo its size, padding (negative ids) masked out, Sum over the bag (÷ max(count, 1) for mean).
 */
function largeEmbedding(
  graph: GraphBuilder,
  ids: string,
  table: { name: string; pooling: "sum" | "mean" },
  values: HostTable,
): string {
  const int32 = { T: { type: "DT_INT32" } };
  const weight = graph.constant(`large_embeddings.${table.name}.weight`, values.toFloat32(), [
    ...values.shape,
  ]);
  const zero = graph.constant("id_zero", Int32Array.of(0), []);
  const size = graph.constant("table_size", Int32Array.of(values.shape[0] as number), []);
  const present = graph.op("Cast", [graph.op("GreaterEqual", [ids, zero], int32)], {
    SrcT: { type: "DT_BOOL" },
    DstT: { type: "DT_FLOAT" },
  }); // [B, n] 0/1
  const wrapped = graph.op("FloorMod", [graph.op("Maximum", [ids, zero], int32), size], int32);
  const gathered = graph.op("GatherV2", [weight, wrapped, zero], { batch_dims: attr.int(0) });
  const mask = graph.op("ExpandDims", [
    present,
    graph.constant("bag_mask_axis", Int32Array.of(2), []),
  ]);
  const bagAxis = graph.constant("bag_axis", Int32Array.of(1), [1]);
  const pooled = graph.op("Sum", [graph.op("Mul", [gathered, mask]), bagAxis], {
    keep_dims: attr.bool(false),
  }); // [B, dim]
  if (table.pooling === "sum") return pooled;
  const count = graph.op("Sum", [present, bagAxis], { keep_dims: attr.bool(true) }); // [B, 1]
  return graph.op("RealDiv", [pooled, graph.op("Maximum", [count, graph.scalar(1)])]);
}

/**
 * The model as a TensorFlow.js graph model (GraphDef JSON + weights, format "graph-model") in
 * inference mode: inputs `continuous` [B, C], `binary` [B, Bn] (float32) and the model's TwHIN
 * embeddings (`user_embedding`, `user_eng_embedding`, `author_embedding`, [B, 200]),
 * `ids.<table>` [B, n] int32 id bags per large embedding table, plus
 * `discrete` [B, D] int32 when the model has small embedding tables; outputs `logits`,
 * `probabilities`, `calibrated_probabilities` [B, T]. Loads with `tf.loadGraphModel` of plain
 * `@tensorflow/tfjs`, browser included. MLP / MaskNet networks; no position debiasing. The weights
 * are read asynchronously, all at once, so it runs on GPU backends too.
 */
export async function graphModelArtifacts(
  model: ExportableRankingModel,
): Promise<tf.io.ModelArtifacts> {
  const { config, continuousWidth, binaryWidth } = model.options;
  if (config.position_debias_config) {
    throw new UsageError("graph export does not support position_debias_config yet");
  }
  const graph = new GraphBuilder();
  const weights = await readHostWeights(model.namedWeights());
  const layers = new RecapGraphLayers(graph, weights);
  const inputs: Record<string, readonly number[]> = {
    continuous: [-1, continuousWidth],
    binary: [-1, binaryWidth],
  };
  for (const name of EMBEDDINGS) {
    if (layers.has(`_${name}_layer_norm.weight`))
      inputs[name] = [-1, model.options.embeddingWidth ?? 200];
  }
  const largeTables = config.large_embeddings?.tables ?? [];
  for (const table of largeTables) inputs[largeEmbeddingIdsInput(table.name)] = [-1, -1];
  if (config.small_embeddings) inputs["discrete"] = [-1, -1];
  const nodes = Object.fromEntries(
    Object.entries(inputs).map(([name, shape]) => [
      name,
      graph.placeholder(name, shape, isIntegerInput(name) ? "int32" : "float32"),
    ]),
  );
  const parts = [
    featurize(layers, nodes["continuous"] as string, nodes["binary"] as string, config),
  ];
  for (const name of EMBEDDINGS) {
    if (nodes[name]) parts.push(layers.layerNorm(nodes[name], `_${name}_layer_norm`, 1e-5));
  }
  const tables = model.namedTables?.() ?? new Map();
  for (const table of largeTables) {
    const values = tables.get(largeEmbeddingWeightName(table.name));
    if (!values) throw new UsageError(`graph export: the model has no large table ${table.name}`);
    const ids = nodes[largeEmbeddingIdsInput(table.name)] as string;
    parts.push(largeEmbedding(graph, ids, table, values));
  }
  for (const table of config.small_embeddings?.tables ?? []) {
    parts.push(smallEmbedding(layers, nodes["discrete"] as string, table));
  }
  const input = layers.concat(parts);
  let net = input;
  if (config.multi_task_type !== "share_none" && config.backbone) {
    const backbone = layers.taskNetwork(input, "_backbone", config.backbone);
    net = config.multi_task_type === "share_all" ? backbone : layers.concat([input, backbone]);
  }
  const logits = model.taskNames.map((task) => {
    const key = sanitize(task);
    const taskConfig = config.tasks[task] as NonNullable<RecapModelConfig["tasks"][string]>;
    const logit = layers.taskNetwork(net, `_towers.${key}`, taskConfig);
    if (!layers.has(`_affine_maps.${key}.weight`)) return logit;
    const scaled = graph.op("MatMul", [logit, layers.tensor(`_affine_maps.${key}.weight`)]);
    return graph.op("AddV2", [scaled, layers.tensor(`_affine_maps.${key}.bias`)]);
  });
  const stacked = layers.concat(logits);
  const probabilities = graph.op("Sigmoid", [stacked]);
  const ratioValues = Float32Array.from(model.taskNames, (task) => {
    const ratio = weights.get(`_calibrators.${sanitize(task)}.ratio`);
    return ratio ? (ratio.data[0] as number) : 1;
  });
  const scaled = graph.op("Mul", [
    probabilities,
    graph.constant("calibration_ratios", ratioValues, [ratioValues.length]),
  ]);
  const denominator = graph.op("AddV2", [
    graph.op("Sub", [graph.scalar(1, "one"), probabilities]),
    scaled,
  ]);
  const calibrated = graph.op("RealDiv", [scaled, denominator]);
  const outputNodes = [stacked, probabilities, calibrated];
  GRAPH_OUTPUTS.forEach((name, index) => {
    graph.op("Identity", [outputNodes[index] as string], {}, name);
  });
  const taskCount = model.taskNames.length;
  return {
    format: "graph-model",
    generatedBy: "@tml/heavy-ranker",
    convertedBy: null,
    modelTopology: { node: graph.nodes, library: {}, versions: { producer: 1 } },
    weightSpecs: graph.weightSpecs,
    weightData: graph.weightData(),
    signature: {
      inputs: Object.fromEntries(
        Object.entries(inputs).map(([name, shape]) => [name, tensorInfo(name, shape)]),
      ),
      outputs: Object.fromEntries(
        GRAPH_OUTPUTS.map((name) => [name, tensorInfo(name, [-1, taskCount])]),
      ),
    },
    userDefinedMetadata: { taskNames: [...model.taskNames] },
  };
}
