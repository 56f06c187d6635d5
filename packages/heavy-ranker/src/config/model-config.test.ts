import { describe, expect, it } from "vitest";
import { recapModelConfigSchema } from "./model-config.js";

const tower = { mlp_config: { layer_sizes: [4, 1] } };

describe("recapModelConfigSchema", () => {
  it("applies defaults and keeps task order", () => {
    const config = recapModelConfigSchema.parse({ tasks: { b: tower, a: tower } });
    expect(Object.keys(config.tasks)).toEqual(["b", "a"]);
    expect(config.multi_task_type).toBe("share_none");
    expect(config.tasks.b?.pos_weight).toBe(1);
    expect(config.tasks.b?.mlp_config?.final_layer_activation).toBe(false);
  });

  it("rejects unknown keys with their path", () => {
    const result = recapModelConfigSchema.safeParse({ tasks: { a: { ...tower, extra: 1 } } });
    expect(result.success).toBe(false);
    expect(JSON.stringify(result.error?.issues)).toContain("extra");
  });

  it("rejects a large_embeddings.tables_to_log name that is not a table", () => {
    const largeEmbeddings = (tablesToLog: string[]) => ({
      tasks: { a: tower },
      large_embeddings: {
        tables: [{ name: "user", num_embeddings: 10, embedding_dim: 4, feature_name: "id" }],
        optimizer: { init_learning_rate: 0.1 },
        tables_to_log: tablesToLog,
      },
    });
    expect(recapModelConfigSchema.safeParse(largeEmbeddings(["user"])).success).toBe(true);
    const result = recapModelConfigSchema.safeParse(largeEmbeddings(["author"]));
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path).toEqual(["large_embeddings", "tables_to_log", 0]);
    expect(result.error?.issues[0]?.message).toContain('unknown table "author"');
  });

  it("rejects stratifier names used twice or holding a slash (they end metric keys)", () => {
    const parse = (stratifiers: object[]) =>
      recapModelConfigSchema.safeParse({ tasks: { a: tower }, stratifiers });
    expect(parse([{ name: "us", index: 0, value: 1 }]).success).toBe(true);
    const twice = parse([
      { name: "us", index: 0, value: 1 },
      { name: "us", index: 1, value: 2 },
    ]);
    expect(twice.error?.issues[0]?.path).toEqual(["stratifiers", 1, "name"]);
    expect(parse([{ name: "a/b", index: 0, value: 1 }]).success).toBe(false);
  });

  it("enforces one_of groups", () => {
    const none = recapModelConfigSchema.safeParse({ tasks: { a: {} } });
    expect(none.success).toBe(false);
    const two = recapModelConfigSchema.safeParse({
      tasks: { a: { ...tower, mask_net_config: { mask_blocks: [] } } },
    });
    expect(two.success).toBe(false);
    const block = { output_size: 4, input_layer_norm: false };
    const maskNet = (extra: object) =>
      recapModelConfigSchema.safeParse({
        tasks: { a: { mask_net_config: { mask_blocks: [{ ...block, ...extra }] } } },
      }).success;
    expect(maskNet({ aggregation_size: 2 })).toBe(true);
    expect(maskNet({})).toBe(false);
    expect(maskNet({ aggregation_size: 2, reduction_factor: 0.5 })).toBe(false);
  });

  it("ties backbone presence to multi_task_type", () => {
    expect(
      recapModelConfigSchema.safeParse({ tasks: { a: tower }, multi_task_type: "share_all" })
        .success,
    ).toBe(false);
    expect(recapModelConfigSchema.safeParse({ tasks: { a: tower }, backbone: tower }).success).toBe(
      false,
    );
    expect(
      recapModelConfigSchema.safeParse({
        tasks: { a: tower },
        backbone: tower,
        multi_task_type: "share_partial",
      }).success,
    ).toBe(true);
  });

  it("requires layer norm center == scale", () => {
    const featurization = (layerNorm: object) =>
      recapModelConfigSchema.safeParse({
        tasks: { a: tower },
        featurization_config: { double_norm_log_config: { layer_norm_config: layerNorm } },
      }).success;
    expect(featurization({ center: true, scale: true })).toBe(true);
    expect(featurization({ center: true, scale: false })).toBe(false);
  });
});
