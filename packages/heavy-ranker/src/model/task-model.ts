import type * as tf from "@tensorflow/tfjs-core";
import type { Rng } from "@tml/core";
import type { TaskModelConfig } from "../config/model-config.js";
import { Dcn } from "./dcn.js";
import { Dlrm } from "./dlrm.js";
import { MaskNet } from "./mask-net.js";
import { Mlp, type MlpOutput } from "./mlp.js";
import type { ForwardContext, Module } from "./module.js";

/** A tower or backbone network: [B, in] → { output [B, outFeatures], sharedLayer }. */
export interface TaskNetwork extends Module {
  readonly outFeatures: number;
  apply(x: tf.Tensor2D, context: ForwardContext): MlpOutput;
  /** `apply(x, context).output` alone, which lets fused kernels skip the shared layer. */
  output(x: tf.Tensor2D, context: ForwardContext): tf.Tensor2D;
}

/**
 * Builds the one architecture a TaskModel config names (MLP, MaskNet, DCN-v2 or DLRM) on an input
 * made of `segments` (widths; only DLRM looks at the split).
 */
export function buildTaskNetwork(
  config: TaskModelConfig,
  segments: readonly number[],
  rng: Rng,
): TaskNetwork {
  const width = segments.reduce((total, size) => total + size, 0);
  if (config.mlp_config) return new Mlp(width, config.mlp_config, rng);
  if (config.mask_net_config) return new MaskNet(config.mask_net_config, width, rng);
  if (config.dcn_config) return new Dcn(config.dcn_config, width, rng);
  return new Dlrm(config.dlrm_config as NonNullable<TaskModelConfig["dlrm_config"]>, segments, rng);
}
