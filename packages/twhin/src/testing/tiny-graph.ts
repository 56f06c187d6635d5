import { Rng } from "@tml/core";
import {
  type OperatorKind,
  type TwhinConfig,
  type TwhinModelConfig,
  twhinConfigSchema,
} from "../config/twhin-config.js";
import type { EdgeBatch } from "../data/edge-batch.js";

/** Options of `tinyConfig` (test helper). */
export interface TinyConfigOptions {
  dim?: number;
  operator?: OperatorKind;
  model?: Partial<TwhinModelConfig>;
  batchSize?: number;
  inBatch?: number;
  global?: number | "all";
  optimizer?: Record<string, unknown>;
  tables?: { name: string; rows: number }[];
  relations?: { name: string; lhs: string; rhs: string }[];
  /** Table storage (default fp32). */
  dataType?: "fp32" | "fp16" | "bf16";
}

/** A small two-type config (user, tweet; three relations) for tests. */
export function tinyConfig(options: TinyConfigOptions = {}): TwhinConfig {
  const dim = options.dim ?? 6;
  const optimizer = options.optimizer ?? { sgd: { lr: 0.1 } };
  const tables = options.tables ?? [
    { name: "user", rows: 7 },
    { name: "tweet", rows: 5 },
  ];
  const relations = options.relations ?? [
    { name: "fav", lhs: "user", rhs: "tweet" },
    { name: "follow", lhs: "user", rhs: "user" },
    { name: "reply", lhs: "tweet", rhs: "user" },
  ];
  const data = {
    data_root: "/nonexistent/*.parquet",
    per_replica_batch_size: options.batchSize ?? 8,
    global_negatives: options.global ?? 0,
    in_batch_negatives: options.inBatch ?? 3,
    limit: 1000,
  };
  return twhinConfigSchema.parse({
    model: {
      embeddings: {
        tables: tables.map((t) => ({
          name: t.name,
          num_embeddings: t.rows,
          embedding_dim: dim,
          data_type: options.dataType ?? "fp32",
          optimizer,
        })),
      },
      relations: relations.map((r) => ({ ...r, operator: options.operator ?? "translation" })),
      translation_optimizer: optimizer,
      ...options.model,
    },
    train_data: data,
    validation_data: data,
  });
}

/** A random batch of valid edges for a config (test helper). */
export function randomBatch(config: TwhinConfig, size: number, seed: number): EdgeBatch {
  const rng = new Rng(seed);
  const rows = new Map(config.model.embeddings.tables.map((t) => [t.name, t.num_embeddings]));
  const batch = {
    lhs: new Int32Array(size),
    rel: new Int32Array(size),
    rhs: new Int32Array(size),
    size,
  };
  for (let i = 0; i < size; i++) {
    const r = rng.int(config.model.relations.length);
    const relation = config.model.relations[r]!;
    batch.rel[i] = r;
    batch.lhs[i] = rng.int(rows.get(relation.lhs)!);
    batch.rhs[i] = rng.int(rows.get(relation.rhs)!);
  }
  return batch;
}
