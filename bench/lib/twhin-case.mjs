// Shared setup of the TwHIN bench cases (bench/cases/twhin-*.mjs) and bench/profile-twhin.mjs.
import { getFlag, Rng } from "@tml/core";

/**
 * A TwHIN task over one `rows x dim` table with `relations` relations (entity -> entity; 4, named
 * as the original's, by default) and `edges` random edges (uniform ids; the speed does not depend
 * on the graph's structure). Trains on `workers` Hogwild threads (default: the TML_ENGINE_THREADS
 * flag, as `trainer twhin` does), each step one batch of `batch` edges per worker. `operator`,
 * `model` (merged into the model config) and `translationOptimizer` set the model (default: the
 * original's translation model).
 */
export async function buildTrainer({
  rows,
  dim = 200,
  batch = 500,
  inBatch = 10,
  global = 0,
  optimizer,
  edges = 200_000,
  workers = getFlag("TML_ENGINE_THREADS"),
  relations = 4,
  operator = "translation",
  model: modelSettings = {},
  translationOptimizer = { sgd: { lr: 0.05 } },
}) {
  // Loaded after the case selected its engine (bench/lib/tf.mjs installs the tfjs resolve hook).
  const twhin = await import("@tml/twhin");
  const config = twhin.twhinConfigSchema.parse({
    model: {
      embeddings: {
        tables: [
          {
            name: "entity",
            num_embeddings: rows,
            embedding_dim: dim,
            data_type: "fp32",
            optimizer,
          },
        ],
      },
      relations: relationNames(relations).map((name) => ({
        name,
        lhs: "entity",
        rhs: "entity",
        operator,
      })),
      translation_optimizer: translationOptimizer,
      ...modelSettings,
    },
    train_data: {
      data_root: "-",
      per_replica_batch_size: batch,
      global_negatives: global,
      in_batch_negatives: inBatch,
      limit: 1e9,
    },
    validation_data: {
      data_root: "-",
      per_replica_batch_size: batch,
      global_negatives: 0,
      in_batch_negatives: inBatch,
      limit: 1e9,
    },
  });
  const { SharedFloat32Arrays } = await import("@tml/training/parallel");
  const arrays = workers > 1 ? SharedFloat32Arrays.create() : undefined;
  const model = new twhin.TwhinModel(config.model, undefined, arrays?.allocate).initialize(0);
  const set = {
    lhs: new Int32Array(edges),
    rel: new Int32Array(edges),
    rhs: new Int32Array(edges),
    size: edges,
  };
  let seed = 7;
  const next = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0);
  for (let i = 0; i < edges; i++) {
    set.lhs[i] = next() % rows;
    set.rhs[i] = next() % rows;
    set.rel[i] = next() % relations;
  }
  const batches = new twhin.EdgeBatches(set, batch * workers, 1);
  const trainer = new twhin.TwhinTask({
    model,
    config,
    batches,
    ...(arrays ? { parallel: { workers, arrays } } : {}),
  });
  return { twhin, model, trainer, batches, rng: new Rng(3), config, workers };
}

function relationNames(count) {
  const original = ["fav", "reply", "retweet", "magic_recs"];
  return Array.from({ length: count }, (_, r) => (count === 4 ? original[r] : `relation_${r}`));
}

/** Edges per second of `steps` training steps (each trains one batch per worker). */
export async function trainEdgesPerSecond({ trainer, batches, rng, workers }, steps) {
  let edges = 0;
  const start = performance.now();
  for (let s = 0; s < steps; s++) {
    const batch = batches.next();
    if (workers > 1) await trainer.trainStep(batch);
    else await trainer.trainBatch(batch, rng);
    edges += batch.size;
  }
  return edges / ((performance.now() - start) / 1000);
}
