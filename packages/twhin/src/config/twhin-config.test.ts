import { fileURLToPath } from "node:url";
import { loadConfigFile, TmlError } from "@tml/core";
import { describe, expect, it } from "vitest";
import { tinyConfig } from "../testing/tiny-graph.js";
import { twhinConfigSchema } from "./twhin-config.js";

const localYaml = fileURLToPath(new URL("../../configs/local.yaml", import.meta.url));

describe("twhinConfigSchema", () => {
  it("loads the original local.yaml unchanged", () => {
    const config = loadConfigFile(twhinConfigSchema, localYaml);
    expect(
      config.model.embeddings.tables.map((t) => [t.name, t.num_embeddings, t.embedding_dim]),
    ).toEqual([
      ["user", 424241, 4],
      ["tweet", 72543, 4],
    ]);
    expect(config.model.relations.map((r) => r.name)).toEqual([
      "fav",
      "reply",
      "retweet",
      "magic_recs",
    ]);
    expect(config.model.translation_optimizer.sgd?.lr).toBe(0.05);
    expect(config.train_data).toMatchObject({
      per_replica_batch_size: 500,
      in_batch_negatives: 10,
      global_negatives: 0,
      limit: 9990,
    });
    expect(config.validation_data?.offset).toBe(9990);
    expect(config.model.parity).toBe("fixed");
  });

  it("rejects tables of different dims, unknown relation tables and unknown keys, with the key path", () => {
    const base = tinyConfig();
    const expectConfigError = (value: unknown, path: string) => {
      try {
        twhinConfigSchema.parse(value);
        expect.unreachable();
      } catch (error) {
        const text = String(error);
        expect(text).toContain(path);
      }
    };
    const tables = structuredClone(base.model.embeddings.tables);
    tables[1]!.embedding_dim = 8;
    expectConfigError(
      { ...base, model: { ...base.model, embeddings: { tables } } },
      "share embedding_dim",
    );
    const relations = [{ name: "x", lhs: "user", rhs: "ad", operator: "translation" }];
    expectConfigError({ ...base, model: { ...base.model, relations } }, "unknown table");
    expectConfigError({ ...base, model: { ...base.model, bogus: 1 } }, "bogus");
    expectConfigError(
      {
        ...base,
        model: {
          ...base.model,
          embeddings: { ...base.model.embeddings, tables_to_log: ["user", "advertiser"] },
        },
      },
      "tables_to_log names unknown table",
    );
  });

  it("an unknown table in tables_to_log is a ConfigError at load", () => {
    try {
      loadConfigFile(twhinConfigSchema, localYaml, {
        overrides: ["model.embeddings.tables_to_log=[user, advertiser]"],
      });
      expect.unreachable();
    } catch (error) {
      expect(TmlError.isInstance(error, "CONFIG")).toBe(true);
      expect(String(error)).toContain(
        'model.embeddings.tables_to_log[1]: tables_to_log names unknown table "advertiser"',
      );
    }
  });

  it("override errors come back as ConfigError", () => {
    try {
      loadConfigFile(twhinConfigSchema, localYaml, {
        overrides: ["train_data.per_replica_batch_size=-3"],
      });
      expect.unreachable();
    } catch (error) {
      expect(TmlError.isInstance(error, "CONFIG")).toBe(true);
      expect(String(error)).toContain("per_replica_batch_size");
    }
  });
});
