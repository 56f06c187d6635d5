import { type TwhinConfig, twhinConfigSchema } from "../config/twhin-config.js";

/**
 * A knowledge-graph config for tests: one `entity` table of `entities` x 32, the given relations
 * (entity -> entity, translation), softmax over 64 uniform negatives shared by a 256-edge batch,
 * reciprocal relations, identity relation init, `optimizer` for the table and the operators.
 */
export function kgTestConfig(
  entities: number,
  relations: string[],
  optimizer: object,
): TwhinConfig {
  return twhinConfigSchema.parse({
    model: {
      embeddings: {
        tables: [
          {
            name: "entity",
            num_embeddings: entities,
            embedding_dim: 32,
            data_type: "fp32",
            optimizer,
          },
        ],
      },
      relations: relations.map((name) => ({ name, lhs: "entity", rhs: "entity" })),
      translation_optimizer: optimizer,
      loss: { type: "softmax" },
      reciprocal_relations: true,
      relation_init: "identity",
    },
    train_data: {
      data_root: "-",
      per_replica_batch_size: 256,
      global_negatives: 64,
      in_batch_negatives: 0,
      limit: 1e9,
    },
    validation_data: {
      data_root: "-",
      per_replica_batch_size: 256,
      global_negatives: 0,
      in_batch_negatives: 0,
      limit: 1e9,
    },
  });
}
