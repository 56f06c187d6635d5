// Writes the PyTorch references' architectures as JSON from @tml/heavy-ranker's own configs, so
// that the bench's PyTorch models cannot drift from ours: local_prod and local_small
// (torchReferenceArchitecture, for recap_bench.py) and frappe_masknet (for frappe_masknet_torch.py).
// Usage: node bench/reference/architectures.mjs OUT.json
import { renameSync, rmSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { ConfigError } from "@tml/core";

const CONFIGS = fileURLToPath(new URL("../configs/", import.meta.resolve("@tml/heavy-ranker")));

/**
 * What frappe_masknet_torch.py builds from configs/frappe-masknet.yaml: the small tables' dim,
 * init and L2, the mask blocks, the MLP and the tower, the batch and Adam. Throws a ConfigError
 * when the config leaves the layout that script models (one table per field in index order, of
 * one dim; a parallel MaskNet without input layer norms; a backbone MLP without batch norm; one
 * plain linear tower; one learning rate).
 */
export function frappeArchitecture(config) {
  const model = config.model;
  const tables = model.small_embeddings?.tables ?? [];
  const maskNet = model.backbone?.mask_net_config;
  const tasks = Object.values(model.tasks);
  const tower = tasks[0]?.mlp_config;
  const rates = config.optimizer.multi_task_learning_rates;
  const rate = rates?.backbone_learning_rate?.constant;
  const problems = [
    [tables.length === 0, "no small embedding tables"],
    [tables.some((table, index) => table.index !== index), "tables out of their index order"],
    [new Set(tables.map((table) => table.embedding_dim)).size > 1, "tables of several dims"],
    [model.large_embeddings || model.position_debias_config, "large embeddings or position debias"],
    [!maskNet?.use_parallel || !maskNet.mlp, "no parallel MaskNet with an MLP"],
    [maskNet?.mask_blocks.some((block) => block.input_layer_norm), "a mask block input layer norm"],
    [maskNet?.mlp?.batch_norm, "batch norm in the backbone MLP"],
    [tasks.length !== 1 || !tower, "not one MLP task"],
    [tower && (tower.layer_sizes.length !== 1 || tower.final_layer_activation), "a deep tower"],
    [tasks[0]?.affine_map, "a tower affine map"],
    [
      !rate || Object.values(rates?.tower_learning_rates ?? {}).some((r) => r.constant !== rate),
      "other learning rates than one constant",
    ],
  ].filter(([bad]) => bad);
  if (problems.length > 0)
    throw new ConfigError(
      `frappe-masknet.yaml left the layout bench/reference/frappe_masknet_torch.py models: ${problems.map(([, what]) => what).join(", ")}.`,
    );
  const dim = tables[0].embedding_dim;
  return {
    fields: tables.length,
    embedding_dim: dim,
    init_stddev: model.small_embeddings.init_stddev ?? 1 / Math.sqrt(dim),
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
    tower: tower.layer_sizes,
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
  const text = JSON.stringify(await referenceArchitectures(), null, 2);
  try {
    writeFileSync(`${path}.tmp`, text);
    renameSync(`${path}.tmp`, path);
  } finally {
    rmSync(`${path}.tmp`, { force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const out = process.argv[2];
  if (!out) {
    console.error("usage: node bench/reference/architectures.mjs OUT.json");
    process.exit(2);
  }
  await writeReferenceArchitectures(out);
}
