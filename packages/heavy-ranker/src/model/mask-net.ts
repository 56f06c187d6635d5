import * as tf from "@tensorflow/tfjs-core";
import type { Rng } from "@tml/core";
import type { MaskNetConfig } from "../config/model-config.js";
import { MaskBlock } from "./mask-block.js";
import { Mlp, type MlpOutput } from "./mlp.js";
import { type ForwardContext, type Module, type NamedTensor, prefixed } from "./module.js";

/**
 * MaskNet (the original's `projects/home/recap/model/mask_net.py`). Parallel: every block sees the
 * input, outputs are concatenated ([B, Σ output_size]). Serial: block k sees block k−1's output and
 * always the input as mask input ([B, last output_size]); unlike the original, serial + MLP works.
 * An optional MLP follows; `sharedLayer` is the block output before the MLP.
 */
export class MaskNet implements Module {
  readonly outFeatures: number;
  private readonly blocks: MaskBlock[] = [];
  private readonly mlp?: Mlp;

  constructor(
    readonly config: MaskNetConfig,
    inFeatures: number,
    rng: Rng,
  ) {
    let width = inFeatures;
    let total = 0;
    for (const blockConfig of config.mask_blocks) {
      const inputDim = config.use_parallel ? inFeatures : width;
      const block = new MaskBlock(blockConfig, inputDim, inFeatures, rng);
      this.blocks.push(block);
      width = block.outFeatures;
      total += block.outFeatures;
    }
    const blockWidth = config.use_parallel ? total : width;
    if (config.mlp) this.mlp = new Mlp(blockWidth, config.mlp, rng);
    this.outFeatures = this.mlp ? this.mlp.outFeatures : blockWidth;
  }

  /** [B, in] → { output [B, outFeatures], sharedLayer [B, block width] }. */
  apply(x: tf.Tensor2D, context: ForwardContext): MlpOutput {
    return tf.tidy((): MlpOutput => {
      let blockOutput: tf.Tensor2D;
      if (this.config.use_parallel) {
        const outputs = this.blocks.map((block) => block.apply(x, x, context));
        blockOutput = outputs.length === 1 ? (outputs[0] as tf.Tensor2D) : tf.concat(outputs, 1);
      } else {
        blockOutput = x;
        for (const block of this.blocks) blockOutput = block.apply(blockOutput, x, context);
      }
      if (!this.mlp) return { output: blockOutput, sharedLayer: blockOutput };
      return { output: this.mlp.output(blockOutput, context), sharedLayer: blockOutput };
    });
  }

  /** `apply`'s output alone (the shared layer is freed unless it is the output). */
  output(x: tf.Tensor2D, context: ForwardContext): tf.Tensor2D {
    return tf.tidy(() => this.apply(x, context).output);
  }

  namedTensors(): NamedTensor[] {
    return [
      ...this.blocks.flatMap((block, index) => prefixed(`_mask_blocks.${index}`, block)),
      ...(this.mlp ? prefixed("_dense_layers", this.mlp) : []),
    ];
  }
}
