import * as tf from "@tensorflow/tfjs-core";
import type { Rng } from "@tml/core";
import type { SmallEmbeddingsConfig } from "../config/model-config.js";
import { type Module, type NamedTensor, parameter } from "./module.js";

/**
 * Row of `table` [V, d] for each id in `ids` [B] (int32, taken modulo V): [B, d]. A gather whose
 * gradient is UnsortedSegmentSum into a dense [V, d] tensor (core's fast kernels add it on wasm),
 * so it is meant for small tables.
 */
export function lookupRows(table: tf.Tensor2D, ids: tf.Tensor1D): tf.Tensor2D {
  return tf.tidy(() => {
    const size = tf.scalar(table.shape[0], "int32");
    const wrapped = tf.mod(tf.add(tf.mod(tf.cast(ids, "int32"), size), size), size);
    return tf.gather(table, wrapped as tf.Tensor1D);
  });
}

/**
 * Small embedding tables for discrete features (config-only in the original): table `name`
 * [num_embeddings, embedding_dim] (N(0, init_stddev²) init, default N(0, 1/dim)) looks up `discrete[:, index]`; outputs are
 * concatenated in table order → [B, Σ embedding_dim]. Names: `<name>.weight`.
 */
export class SmallEmbeddings implements Module {
  readonly outFeatures: number;
  private readonly tables: Array<{ name: string; index: number; weight: tf.Variable<tf.Rank.R2> }>;
  private readonly l2: number;

  constructor(config: SmallEmbeddingsConfig, rng: Rng) {
    this.l2 = config.l2_regularization ?? 0;
    this.tables = config.tables.map((table) => {
      const scale = config.init_stddev ?? 1 / Math.sqrt(table.embedding_dim);
      const values = new Float32Array(table.num_embeddings * table.embedding_dim);
      for (let index = 0; index < values.length; index++) values[index] = rng.normal() * scale;
      const initial = tf.tensor2d(values, [table.num_embeddings, table.embedding_dim]);
      return {
        name: table.name,
        index: table.index,
        weight: parameter(initial) as tf.Variable<tf.Rank.R2>,
      };
    });
    this.outFeatures = config.tables.reduce((total, table) => total + table.embedding_dim, 0);
  }

  /** The largest discrete column index read (the batch must have more columns). */
  get maxIndex(): number {
    return Math.max(...this.tables.map((table) => table.index));
  }

  /** discrete [B, D] int32 → [B, Σ embedding_dim]. */
  apply(discrete: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => {
      const batch = discrete.shape[0];
      const outputs = this.tables.map(({ index, weight }) => {
        const ids = tf.reshape(tf.slice(discrete, [0, index], [batch, 1]), [batch]) as tf.Tensor1D;
        return lookupRows(weight, ids);
      });
      return outputs.length === 1 ? (outputs[0] as tf.Tensor2D) : tf.concat(outputs, 1);
    });
  }

  /**
   * The L2 penalty (λ/2)·Σ‖W‖² over all tables (`l2_regularization` λ), or null when λ = 0. Its
   * gradient with respect to each table W is λ·W.
   */
  regularizationLoss(): tf.Scalar | null {
    if (this.l2 === 0) return null;
    return tf.tidy(() => {
      const squares = this.tables.map(({ weight }) => tf.sum(tf.square(weight)));
      const total = squares.length === 1 ? (squares[0] as tf.Scalar) : tf.addN(squares);
      return tf.mul(total, this.l2 / 2) as tf.Scalar;
    });
  }

  namedTensors(): NamedTensor[] {
    return this.tables.map(({ name, weight }) => ({ name: `${name}.weight`, variable: weight }));
  }
}
