import { fileURLToPath } from "node:url";
import { ConfigError } from "@tml/core";
import { describe, expect, it } from "vitest";
import { loadRecapConfig } from "../config/load-recap-config.js";
import { torchReferenceArchitecture } from "./torch-architecture.js";

const configs = fileURLToPath(new URL("../../configs/", import.meta.url));
const load = (name: string) =>
  loadRecapConfig(`${configs}${name}.yaml`, { env: { HOME: "/tmp", FRAPPE_PARQUET: "/tmp" } });

describe("torchReferenceArchitecture", () => {
  it("gives local_prod's sizes (the 48,115,108-parameter layout)", () => {
    const architecture = torchReferenceArchitecture(load("local_prod"));
    expect(architecture.continuous).toBe(2117);
    expect(architecture.binary).toBe(59);
    expect(architecture.embeddings).toEqual([
      "user_embedding",
      "user_eng_embedding",
      "author_embedding",
    ]);
    expect(architecture.mask_blocks).toEqual(
      Array.from({ length: 4 }, () => ({ aggregation_size: 1024, output_size: 1024 })),
    );
    expect(architecture.backbone_mlp.layer_sizes).toEqual([2048]);
    expect(architecture.tasks).toHaveLength(10);
    expect(architecture.tasks[0]?.layer_sizes).toEqual([256, 128, 1]);
    // Parameters, counted by hand from the sizes: the same total as the bench's FLOP notes.
    const width = 2117 + 59 + 3 * 200;
    const linear = (i: number, o: number) => i * o + o;
    let count = 2 * 2117 + 2 * (2117 + 59) + 3 * 2 * 200; // BN affine, LNs
    count += 4 * (linear(width, 1024) + linear(1024, width) + linear(width, 1024) + 2 * 1024);
    count += linear(4 * 1024, 2048);
    count += 10 * (linear(2048, 256) + linear(256, 128) + linear(128, 1));
    expect(count).toBe(48_115_108);
  });

  it("takes truncate_and_slice's widths and the towers' dropout (local_small)", () => {
    const architecture = torchReferenceArchitecture(load("local_small"));
    expect([architecture.continuous, architecture.binary]).toEqual([512, 59]);
    expect(architecture.mask_blocks).toEqual([
      { aggregation_size: 32, output_size: 32 },
      { aggregation_size: 32, output_size: 32 },
    ]);
    expect(architecture.tasks.map((task) => task.dropout)).toContain(0.1);
    expect(
      torchReferenceArchitecture(load("local_small"), { continuousWidth: 7, binaryWidth: 3 }),
    ).toMatchObject({ continuous: 7, binary: 3 });
  });

  it("passes every MLP setting the reference builds, backbone and towers alike", () => {
    const config = load("local_small");
    const maskNet = config.model.backbone!.mask_net_config!;
    maskNet.mlp = {
      ...maskNet.mlp!,
      batch_norm: { affine: true, momentum: 0.2 },
      dropout: { rate: 0.3 },
    };
    const tower = Object.values(config.model.tasks)[0]!.mlp_config!;
    tower.final_layer_activation = true;
    const architecture = torchReferenceArchitecture(config);
    expect(architecture.backbone_mlp).toEqual({
      layer_sizes: [64],
      batch_norm_momentum: 0.2,
      batch_norm_affine: true,
      dropout: 0.3,
      final_layer_activation: true,
    });
    expect(architecture.tasks[0]?.final_layer_activation).toBe(true);
    expect(architecture.tasks[1]?.final_layer_activation).toBe(false);
  });

  it("refuses featurizations the reference would build differently", () => {
    const noBinary = load("local_small");
    noBinary.model.featurization_config!.feature_names_to_concat = [];
    expect(() => torchReferenceArchitecture(noBinary)).toThrow(/binary features left out/);
    const noAffine = load("local_small");
    const norm = noAffine.model.featurization_config!.double_norm_log_config!.layer_norm_config!;
    Object.assign(norm, { center: false, scale: false });
    expect(() => torchReferenceArchitecture(noAffine)).toThrow(/without scale and shift/);
  });

  it("refuses a layout the reference does not model", () => {
    const frappe = load("frappe-masknet");
    expect(() => torchReferenceArchitecture(frappe)).toThrow(ConfigError);
    expect(() => torchReferenceArchitecture(frappe)).toThrow(
      /local_prod's layout.*embedding tables/,
    );
  });
});
