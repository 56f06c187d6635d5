import { DataError, type Rng } from "@tml/core";
import type { LargeEmbeddingsConfig } from "../config/model-config.js";
import type { IdBags } from "../features/embedding-bag-ids.js";
import { EmbeddingBag, type RowSparseGradient } from "./embedding-bag.js";

/** The state_dict name of a large table (the original's torchrec module path). */
export function largeEmbeddingWeightName(table: string): string {
  return `large_embeddings.ebc.embedding_bags.${table}.weight`;
}

/** The exported graphs' input holding the id bags of table `table` ([B, n] int32, negative = padding). */
export function largeEmbeddingIdsInput(table: string): string {
  return `ids.${table}`;
}

/** Id bags of a batch by table name. */
export type IdBagsByTable = Readonly<Record<string, IdBags>>;

/**
 * The large embeddings (`large_embeddings`; torchrec's EmbeddingBagCollection in the original's
 * `projects/home/recap/embedding/`): one `EmbeddingBag` per table, pooled vectors concatenated in
 * table order → [B, Σ embedding_dim], joined to the dense input by the model. The tables live
 * outside tfjs autodiff: the train step takes the gradient w.r.t. the pooled vectors and
 * `gradients` scatters it into row-sparse table gradients.
 */
export class LargeEmbeddings {
  readonly tables: readonly EmbeddingBag[];
  /** Σ embedding_dim: width of the pooled output. */
  readonly outFeatures: number;

  constructor(config: LargeEmbeddingsConfig, rng: Rng) {
    this.tables = config.tables.map((table) => new EmbeddingBag(table, rng.fork(table.name)));
    this.outFeatures = this.tables.reduce((total, table) => total + table.dim, 0);
  }

  /** Pooled vectors of a batch: [B, outFeatures] row-major. Throws DataError on missing ids. */
  pool(ids: IdBagsByTable | undefined, batchSize: number): Float32Array {
    const out = new Float32Array(batchSize * this.outFeatures);
    let offset = 0;
    for (const table of this.tables) {
      table.pool(this.idsOf(ids, table.name, batchSize), batchSize, out, this.outFeatures, offset);
      offset += table.dim;
    }
    return out;
  }

  /**
   * Row-sparse gradient of every table (table order) from the gradient of the pooled vectors
   * `gradOutput` [B, outFeatures]; the arrays are scratch, valid until the next call.
   */
  gradients(
    ids: IdBagsByTable | undefined,
    batchSize: number,
    gradOutput: Float32Array,
  ): RowSparseGradient[] {
    let offset = 0;
    return this.tables.map((table) => {
      const bags = this.idsOf(ids, table.name, batchSize);
      const gradient = table.gradient(bags, batchSize, gradOutput, this.outFeatures, offset);
      offset += table.dim;
      return gradient;
    });
  }

  /** Every table under its state_dict name. */
  namedTables(): Map<string, EmbeddingBag> {
    return new Map(this.tables.map((table) => [largeEmbeddingWeightName(table.name), table]));
  }

  /** Number of trainable scalars in the tables. */
  parameterCount(): number {
    return this.tables.reduce((total, table) => total + table.rows * table.dim, 0);
  }

  private idsOf(ids: IdBagsByTable | undefined, name: string, batchSize: number): IdBags {
    const bags = ids?.[name];
    if (!bags) {
      throw new DataError(
        `batch has no ids for large embedding table ${name}; build batches with the model's large_embeddings tables`,
      );
    }
    if (bags.values.length !== batchSize * bags.width) {
      throw new DataError(
        `large embedding table ${name}: ${bags.values.length} ids for ${batchSize} rows of ${bags.width}`,
      );
    }
    return bags;
  }
}
