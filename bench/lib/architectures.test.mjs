// The PyTorch references' architectures (reference/architectures.mjs) against the configs.
import assert from "node:assert/strict";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { frappeArchitecture, referenceArchitectures } from "../reference/architectures.mjs";

const CONFIGS = fileURLToPath(new URL("../configs/", import.meta.resolve("@tml/heavy-ranker")));

async function frappeConfig() {
  const { loadRecapConfig } = await import("@tml/heavy-ranker");
  return loadRecapConfig(`${CONFIGS}frappe-masknet.yaml`, {
    env: { HOME: "/tmp", FRAPPE_PARQUET: "/unused" },
  });
}

test("architectures: local_prod, local_small and the Frappe recipe's sizes", async () => {
  const { local_prod, local_small, frappe_masknet } = await referenceArchitectures();
  assert.equal(local_prod.tasks.length, 10);
  assert.deepEqual(local_prod.backbone_mlp.layer_sizes, [2048]);
  assert.equal(local_small.continuous, 512);
  assert.equal(frappe_masknet.fields, 10);
  assert.equal(frappe_masknet.embedding_dim, 16);
  assert.equal(frappe_masknet.init_stddev, 1e-4);
  assert.equal(frappe_masknet.l2_regularization, 0.1);
  assert.deepEqual(frappe_masknet.mask_blocks[0], {
    output_size: 50,
    reduction_factor: 2,
    aggregation_size: null,
    activation: "relu",
    dropout: 0.1,
    hidden_bias: false,
  });
  assert.deepEqual(frappe_masknet.mlp, {
    layer_sizes: [400, 400, 400],
    dropout: 0.1,
    final_layer_activation: true,
  });
  assert.deepEqual(frappe_masknet.tower, [1]);
  assert.equal(frappe_masknet.batch, 4096);
});

test("architectures: the Frappe model's init defaults to 1/sqrt(dim) as the package's", async () => {
  const config = await frappeConfig();
  config.model.small_embeddings.init_stddev = null;
  assert.equal(frappeArchitecture(config).init_stddev, 1 / 4);
});

test("architectures: a Frappe layout the PyTorch script does not model is a ConfigError", async () => {
  const config = await frappeConfig();
  config.model.backbone.mask_net_config.mask_blocks[1].input_layer_norm = true;
  config.model.tasks.label.mlp_config.final_layer_activation = true;
  assert.throws(
    () => frappeArchitecture(config),
    (error) =>
      error.name === "ConfigError" &&
      /a mask block input layer norm, a deep tower/.test(error.message),
  );
});
