import * as tf from "@tensorflow/tfjs-core";
import type { Rng } from "@tml/core";
import type { DlrmConfig } from "../config/model-config.js";
import { Linear } from "./linear.js";
import { Mlp, type MlpOutput } from "./mlp.js";
import { type ForwardContext, type Module, type NamedTensor, prefixed } from "./module.js";

/**
 * DLRM (arXiv 1906.00091; the original raises "not implemented"). The input [B, W] is a
 * concatenation of `segments` (widths): segment 0 is the dense featurization, the rest are
 * embedding fields (TwHIN embeddings, small tables, position). Bottom MLP: dense → d; each field
 * whose width ≠ d is linearly projected to d (`_projections.<k>`); the pairwise dot products of the
 * F = 1 + fields vectors (strictly lower triangle, F(F−1)/2 values) are concatenated with the
 * bottom output and fed to the top MLP → [B, top out].
 */
export class Dlrm implements Module {
  readonly outFeatures: number;
  private readonly bottom: Mlp;
  private readonly top: Mlp;
  private readonly projections: Array<Linear | undefined>;
  private readonly pairSelector?: tf.Tensor2D;

  constructor(
    config: DlrmConfig,
    private readonly segments: readonly number[],
    rng: Rng,
  ) {
    this.bottom = new Mlp(segments[0] as number, config.bottom_mlp, rng);
    const width = this.bottom.outFeatures;
    this.projections = segments
      .slice(1)
      .map((size) => (size === width ? undefined : new Linear(size, width, rng)));
    const fields = segments.length;
    const pairs: Array<[number, number]> = [];
    for (let row = 1; row < fields; row++)
      for (let col = 0; col < row; col++) pairs.push([row, col]);
    if (pairs.length > 0) {
      // [F·F, P] 0/1 matrix picking the lower triangle (a matmul keeps the gradient dense and fast).
      const selector = new Float32Array(fields * fields * pairs.length);
      pairs.forEach(([row, col], pair) => {
        selector[(row * fields + col) * pairs.length + pair] = 1;
      });
      this.pairSelector = tf.tensor2d(selector, [fields * fields, pairs.length]);
    }
    this.top = new Mlp(width + pairs.length, config.top_mlp, rng);
    this.outFeatures = this.top.outFeatures;
  }

  /** [B, Σ segments] → { output [B, top out], sharedLayer = bottom output [B, d] }. */
  apply(x: tf.Tensor2D, context: ForwardContext): MlpOutput {
    return tf.tidy((): MlpOutput => {
      const parts = this.segments.length === 1 ? [x] : tf.split(x, [...this.segments], 1);
      const dense = this.bottom.output(parts[0] as tf.Tensor2D, context);
      if (!this.pairSelector)
        return { output: this.top.output(dense, context), sharedLayer: dense };
      const vectors: tf.Tensor2D[] = [
        dense,
        ...(parts.slice(1) as tf.Tensor2D[]).map(
          (part, index) => this.projections[index]?.apply(part) ?? part,
        ),
      ];
      const batch = x.shape[0];
      const fields = vectors.length;
      const stacked = tf.stack(vectors, 1) as tf.Tensor3D; // [B, F, d]
      const dots = tf.matMul(stacked, stacked, false, true); // [B, F, F]
      const flat = tf.reshape(dots, [batch, fields * fields]) as tf.Tensor2D;
      const pairs = tf.matMul(flat, this.pairSelector); // [B, P]
      return {
        output: this.top.output(tf.concat([dense, pairs], 1) as tf.Tensor2D, context),
        sharedLayer: dense,
      };
    });
  }

  /** `apply`'s output alone (the shared layer is freed unless it is the output). */
  output(x: tf.Tensor2D, context: ForwardContext): tf.Tensor2D {
    return tf.tidy(() => this.apply(x, context).output);
  }

  namedTensors(): NamedTensor[] {
    const projections = this.projections.flatMap((projection, index) =>
      projection ? prefixed(`_projections.${index}`, projection) : [],
    );
    return [
      ...prefixed("_bottom_mlp", this.bottom),
      ...projections,
      ...prefixed("_top_mlp", this.top),
    ];
  }
}
