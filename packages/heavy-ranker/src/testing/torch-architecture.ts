import { ConfigError } from "@tml/core";
import type { MlpConfig } from "../config/model-config.js";
import type { RecapConfig } from "../config/recap-config.js";
import { embeddingInputs, truncatedWidths } from "../model/build-model.js";

/** An MLP of the reference (`Mlp` of recap_reference.py), with the original's layer order. */
export interface TorchReferenceMlp {
  layer_sizes: number[];
  batch_norm_momentum: number | null;
  batch_norm_affine: boolean | null;
  dropout: number | null;
  final_layer_activation: boolean;
}

/** One tower of the reference: its task name and MLP. */
export interface TorchReferenceTower extends TorchReferenceMlp {
  name: string;
}

/**
 * The sizes `torch-reference/recap_reference.py` builds its `RankingModel` from (its
 * `config.json` less the optimizer fields): the same layout as `buildRankingModel` gives the
 * config, so the parity test and `pnpm bench`'s PyTorch rows run one PyTorch model.
 */
export interface TorchReferenceArchitecture {
  continuous: number;
  binary: number;
  embedding_width: number;
  embeddings: string[];
  featurization: {
    batch_norm_momentum: number;
    batch_norm_affine: boolean;
    clip: number;
    layer_norm_epsilon: number;
  };
  mask_blocks: { aggregation_size: number; output_size: number }[];
  backbone_mlp: TorchReferenceMlp;
  tasks: TorchReferenceTower[];
}

/** Width of each pretrained embedding input (`user_embedding`, …), as the model reads them. */
const EMBEDDING_WIDTH = 200;

function referenceMlp(mlp: MlpConfig): TorchReferenceMlp {
  return {
    layer_sizes: mlp.layer_sizes,
    batch_norm_momentum: mlp.batch_norm?.momentum ?? null,
    batch_norm_affine: mlp.batch_norm?.affine ?? null,
    dropout: mlp.dropout?.rate ?? null,
    final_layer_activation: mlp.final_layer_activation,
  };
}

function unsupported(what: string): never {
  throw new ConfigError(
    `torch-reference/recap_reference.py models local_prod's layout (share_all, double_norm_log, a parallel MaskNet of aggregation_size blocks without options, MLP towers); this config has ${what}.`,
  );
}

/**
 * The PyTorch reference's architecture for `config`: the continuous / binary widths come from
 * `widths`, else from `truncate_and_slice`, else local_prod's 2117 / 59. Throws a ConfigError
 * for a layout the reference does not model (another featurization, backbone or tower kind, mask
 * block options beyond the original's).
 */
export function torchReferenceArchitecture(
  config: RecapConfig,
  widths: { continuousWidth?: number; binaryWidth?: number } = {},
): TorchReferenceArchitecture {
  const model = config.model;
  if (model.multi_task_type !== "share_all")
    unsupported(`multi_task_type ${model.multi_task_type}`);
  if (model.large_embeddings || model.small_embeddings || model.position_debias_config)
    unsupported("embedding tables or position debiasing");
  const featurization = model.featurization_config?.double_norm_log_config;
  if (!featurization?.batch_norm_config || !featurization.layer_norm_config)
    unsupported("another featurization than double_norm_log with batch and layer norm");
  const concatenated = model.featurization_config?.feature_names_to_concat ?? [];
  if (!concatenated.includes("binary"))
    unsupported("binary features left out of the featurization");
  if (!featurization.layer_norm_config.center)
    unsupported("a featurization layer norm without scale and shift");
  const maskNet = model.backbone?.mask_net_config;
  if (!maskNet?.use_parallel || !maskNet.mlp) unsupported("another backbone");
  const blocks = maskNet.mask_blocks.map((block, index) => {
    const plain =
      block.aggregation_size !== null &&
      !block.input_layer_norm &&
      block.activation === "none" &&
      block.dropout === null &&
      block.hidden_bias;
    if (!plain) unsupported(`mask block ${index} with options the original's block lacks`);
    return { aggregation_size: block.aggregation_size as number, output_size: block.output_size };
  });
  const truncated = truncatedWidths(config);
  return {
    continuous: widths.continuousWidth ?? truncated.continuousWidth ?? 2117,
    binary: widths.binaryWidth ?? truncated.binaryWidth ?? 59,
    embedding_width: EMBEDDING_WIDTH,
    embeddings: [...embeddingInputs(config)],
    featurization: {
      batch_norm_momentum: featurization.batch_norm_config.momentum,
      batch_norm_affine: featurization.batch_norm_config.affine,
      clip: featurization.clip_magnitude,
      layer_norm_epsilon: featurization.layer_norm_config.epsilon,
    },
    mask_blocks: blocks,
    backbone_mlp: referenceMlp(maskNet.mlp),
    tasks: Object.entries(model.tasks).map(([name, task]) => {
      if (!task.mlp_config || task.affine_map)
        unsupported(`task ${name} without a plain MLP tower`);
      return { name, ...referenceMlp(task.mlp_config) };
    }),
  };
}
