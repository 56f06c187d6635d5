import * as tf from "@tensorflow/tfjs-core";
import type { Rng } from "@tml/core";
import type { DcnConfig } from "../config/model-config.js";
import { Linear } from "./linear.js";
import { Mlp, type MlpOutput } from "./mlp.js";
import { type ForwardContext, type Module, type NamedTensor, prefixed } from "./module.js";

/**
 * DCN-v2 cross network (arXiv 2008.13535; config-only in the original): `poly_degree` cross layers
 * x_{l+1} = x_0 ⊙ (W_l · x_l + b_l) + x_l on [B, W], with W_l full ([W, W], `_cross_layers.<l>`)
 * or low rank U_l · V_l when `projection_dim` r is set (`_cross_layers.<l>._down` [r, W] then
 * `._up` [W, r]). With `parallel_mlp`: `use_parallel` concatenates cross(x_0) and MLP(x_0),
 * otherwise the MLP runs on cross(x_0) (stacked). An optional `output_mlp` comes last.
 */
export class Dcn implements Module {
  readonly outFeatures: number;
  private readonly layers: Array<{ full?: Linear; down?: Linear; up?: Linear }> = [];
  private readonly parallelMlp?: Mlp;
  private readonly outputMlp?: Mlp;

  constructor(
    readonly config: DcnConfig,
    inFeatures: number,
    rng: Rng,
  ) {
    for (let layer = 0; layer < config.poly_degree; layer++) {
      if (config.projection_dim) {
        const rank = config.projection_dim;
        this.layers.push({
          down: new Linear(inFeatures, rank, rng),
          up: new Linear(rank, inFeatures, rng),
        });
      } else {
        this.layers.push({ full: new Linear(inFeatures, inFeatures, rng) });
      }
    }
    let width = inFeatures;
    if (config.parallel_mlp) {
      this.parallelMlp = new Mlp(inFeatures, config.parallel_mlp, rng);
      width = config.use_parallel
        ? inFeatures + this.parallelMlp.outFeatures
        : this.parallelMlp.outFeatures;
    }
    if (config.output_mlp) {
      this.outputMlp = new Mlp(width, config.output_mlp, rng);
      width = this.outputMlp.outFeatures;
    }
    this.outFeatures = width;
  }

  /** [B, W] → { output [B, outFeatures], sharedLayer = cross output [B, W] }. */
  apply(x0: tf.Tensor2D, context: ForwardContext): MlpOutput {
    return tf.tidy((): MlpOutput => {
      let cross = x0;
      for (const layer of this.layers) {
        const projected = layer.full
          ? layer.full.apply(cross)
          : (layer.up as Linear).apply((layer.down as Linear).apply(cross));
        cross = tf.add(tf.mul(x0, projected), cross) as tf.Tensor2D;
      }
      let output = cross;
      if (this.parallelMlp) {
        output = this.config.use_parallel
          ? tf.concat([cross, this.parallelMlp.output(x0, context)], 1)
          : this.parallelMlp.output(cross, context);
      }
      if (this.outputMlp) output = this.outputMlp.output(output, context);
      return { output, sharedLayer: cross };
    });
  }

  /** `apply`'s output alone (the shared layer is freed unless it is the output). */
  output(x: tf.Tensor2D, context: ForwardContext): tf.Tensor2D {
    return tf.tidy(() => this.apply(x, context).output);
  }

  namedTensors(): NamedTensor[] {
    const named: NamedTensor[] = [];
    this.layers.forEach((layer, index) => {
      if (layer.full) named.push(...prefixed(`_cross_layers.${index}`, layer.full));
      if (layer.down) named.push(...prefixed(`_cross_layers.${index}._down`, layer.down));
      if (layer.up) named.push(...prefixed(`_cross_layers.${index}._up`, layer.up));
    });
    if (this.parallelMlp) named.push(...prefixed("_parallel_mlp", this.parallelMlp));
    if (this.outputMlp) named.push(...prefixed("_output_mlp", this.outputMlp));
    return named;
  }
}
