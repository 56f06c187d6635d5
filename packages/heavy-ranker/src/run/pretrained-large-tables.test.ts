import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigError, roundToHalfPrecision } from "@tml/core";
import { writeSafetensors } from "@tml/data-io";
import { setupTestBackend } from "@tml/engine/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { recapModelConfigSchema } from "../config/model-config.js";
import { MultiTaskRankingModel } from "../model/ranking-model.js";
import { loadPretrainedLargeTables } from "./pretrained-large-tables.js";

const dir = mkdtempSync(join(tmpdir(), "hr-pretrained-"));
const snapshot = join(dir, "twhin.safetensors");
const values = Float32Array.from({ length: 6 * 4 }, (_, index) => 0.01 * index - 0.1);

beforeAll(async () => {
  await setupTestBackend();
  writeFileSync(snapshot, writeSafetensors([["user", { dtype: "F32", shape: [6, 4], values }]]));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function model(rows: number, dataType = "fp32") {
  const config = recapModelConfigSchema.parse({
    tasks: { t: { mlp_config: { layer_sizes: [1] } } },
    large_embeddings: {
      tables: [
        {
          name: "user_id",
          num_embeddings: rows,
          embedding_dim: 4,
          feature_name: "meta__user_id",
          data_type: dataType,
          pretrained: { emb_name: "user", embedding_snapshot_uri: snapshot },
        },
      ],
      optimizer: { init_learning_rate: 0.1 },
    },
  });
  return {
    config,
    model: new MultiTaskRankingModel({ config, continuousWidth: 2, binaryWidth: 1 }),
  };
}

describe("loadPretrainedLargeTables", () => {
  it("warm-starts a table from a safetensors snapshot (rounded into an fp16 table)", async () => {
    for (const dataType of ["fp32", "fp16"] as const) {
      const { config, model: ranker } = model(6, dataType);
      expect(await loadPretrainedLargeTables(ranker, config)).toEqual(["user_id"]);
      const expected = Array.from(values, (value) =>
        dataType === "fp32" ? value : roundToHalfPrecision(value, "fp16"),
      );
      expect([...(ranker.largeEmbeddings?.tables[0]?.toFloat32() ?? [])]).toEqual(expected);
      ranker.dispose();
    }
  });

  it("a snapshot of another shape is a ConfigError naming both shapes", async () => {
    const { config, model: ranker } = model(7);
    const error = await loadPretrainedLargeTables(ranker, config).catch((caught) => caught);
    expect(ConfigError.isInstance(error)).toBe(true);
    expect(String(error.message)).toMatch(
      /tables\.0\.pretrained: "user" of .* is 6 x 4, but table user_id is 7 x 4/,
    );
    ranker.dispose();
  });
});
