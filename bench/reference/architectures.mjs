// Writes the PyTorch references' architectures as JSON from @tml/heavy-ranker's own configs, so
// that the bench's PyTorch models cannot drift from ours: local_prod and local_small
// (torchReferenceArchitecture, for recap_bench.py) and frappe_masknet (for frappe_masknet_torch.py).
// Usage: node bench/reference/architectures.mjs OUT.json
import { renameSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const CONFIGS = fileURLToPath(new URL("../configs/", import.meta.resolve("@tml/heavy-ranker")));

/**
 * What frappe_masknet_torch.py builds from configs/frappe-masknet.yaml: the small tables' dim,
 * init and L2, the mask blocks, the MLP and the tower, the batch and Adam. Throws when the config
 * leaves the layout that script models (one table per field of one dim, a parallel MaskNet, one
 * MLP task).
 */
export function frappeArchitecture(config) {
  const model = config.model;
  const tables = model.small_embeddings?.tables ?? [];
  const maskNet = model.backbone?.mask_net_config;
  const tasks = Object.values(model.tasks);
  const dims = new Set(tables.map((table) => table.embedding_dim));
  const rate = config.optimizer.multi_task_learning_rates?.backbone_learning_rate?.constant;
  if (
    dims.size !== 1 ||
    !maskNet?.use_parallel ||
    tasks.length !== 1 ||
    !tasks[0].mlp_config ||
    !rate
  )
    throw new Error(
      "frappe-masknet.yaml left the layout bench/reference/frappe_masknet_torch.py models",
    );
  return {
    fields: tables.length,
    embedding_dim: tables[0].embedding_dim,
    init_stddev: model.small_embeddings.init_stddev,
    l2_regularization: model.small_embeddings.l2_regularization,
    mask_blocks: maskNet.mask_blocks.map((block) => ({
      output_size: block.output_size,
      reduction_factor: block.reduction_factor,
      aggregation_size: block.aggregation_size,
      activation: block.activation,
      dropout: block.dropout?.rate ?? null,
      hidden_bias: block.hidden_bias,
    })),
    mlp: {
      layer_sizes: maskNet.mlp.layer_sizes,
      dropout: maskNet.mlp.dropout?.rate ?? null,
      final_layer_activation: maskNet.mlp.final_layer_activation,
    },
    tower: tasks[0].mlp_config.layer_sizes,
    batch: config.train_data.global_batch_size,
    learning_rate: rate,
    adam: config.optimizer.adam,
  };
}

/** `{ local_prod, local_small, frappe_masknet }`: the architectures the reference scripts take. */
export async function referenceArchitectures() {
  const { loadRecapConfig } = await import("@tml/heavy-ranker");
  const { torchReferenceArchitecture } = await import("@tml/heavy-ranker/testing");
  // FRAPPE_PARQUET only fills the data paths, which the architecture does not read.
  const env = { HOME: "/tmp", FRAPPE_PARQUET: "/unused" };
  const load = (name) => loadRecapConfig(`${CONFIGS}${name}.yaml`, { env });
  return {
    local_prod: torchReferenceArchitecture(load("local_prod")),
    local_small: torchReferenceArchitecture(load("local_small")),
    frappe_masknet: frappeArchitecture(load("frappe-masknet")),
  };
}

/** Writes them to `path` (through a temporary file). */
export async function writeReferenceArchitectures(path) {
  writeFileSync(`${path}.tmp`, JSON.stringify(await referenceArchitectures(), null, 2));
  renameSync(`${path}.tmp`, path);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const out = process.argv[2];
  if (!out) {
    console.error("usage: node bench/reference/architectures.mjs OUT.json");
    process.exit(2);
  }
  await writeReferenceArchitectures(out);
}
