import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigError, DataError, Rng, roundToHalfPrecision, TmlError } from "@tml/core";
import { edgeTable, writeParquetFile, writeSafetensors } from "@tml/data-io";
import { afterAll, describe, expect, it } from "vitest";
import type { TwhinConfig } from "../config/twhin-config.js";
import { writeEmbeddings } from "../export/embedding-files.js";
import { EmbeddingTable } from "../model/embedding-table.js";
import { TwhinModel } from "../model/twhin-model.js";
import { tinyConfig } from "../testing/tiny-graph.js";
import { loadPretrainedTables } from "./pretrained-tables.js";
import { trainTwhin } from "./train-twhin.js";

const dir = mkdtempSync(join(tmpdir(), "twhin-pretrained-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// tinyConfig's tables: user 7 x 6, tweet 5 x 6.
const userValues = new Rng(9).fillUniform(new Float32Array(7 * 6), -1, 1);
const safetensorsPath = join(dir, "snapshot.safetensors");
writeFileSync(
  safetensorsPath,
  writeSafetensors([
    ["users", { dtype: "F32", shape: [7, 6], values: userValues }],
    ["wide", { dtype: "F32", shape: [7, 5], values: new Float32Array(35) }],
  ]),
);

function withPretrained(
  config: TwhinConfig,
  table: number,
  pretrained: { emb_name: string; embedding_snapshot_uri: string },
): TwhinConfig {
  const tables = config.model.embeddings.tables.map((entry, t) =>
    t === table ? { ...entry, pretrained } : entry,
  );
  return {
    ...config,
    model: { ...config.model, embeddings: { ...config.model.embeddings, tables } },
  };
}

describe("pretrained tables", () => {
  it("start equal to a safetensors tensor (rounded in a 16-bit table); other tables keep their init", async () => {
    for (const dataType of ["fp32", "bf16"] as const) {
      const config = withPretrained(tinyConfig({ dataType }), 0, {
        emb_name: "users",
        embedding_snapshot_uri: safetensorsPath,
      });
      const model = new TwhinModel(config.model).initialize(1);
      const tweetsBefore = model.tables[1]!.toFloat32().slice();
      expect(await loadPretrainedTables(model, config.model)).toEqual(["user"]);
      const expected =
        dataType === "fp32" ? userValues : userValues.map((v) => roundToHalfPrecision(v, "bf16"));
      expect(model.tables[0]!.toFloat32()).toEqual(expected);
      expect(model.tables[1]!.toFloat32()).toEqual(tweetsBefore);
    }
  });

  it("start equal to a TwHIN embedding export folder", async () => {
    const source = EmbeddingTable.allocate("tweet", 5, 6).initUniform(new Rng(4), 1);
    const exportDir = join(dir, "export");
    await writeEmbeddings([source], exportDir, { rowsPerFile: 2 });
    const config = withPretrained(tinyConfig(), 1, {
      emb_name: "tweet",
      embedding_snapshot_uri: exportDir,
    });
    const model = new TwhinModel(config.model).initialize(1);
    await loadPretrainedTables(model, config.model);
    expect(model.tables[1]!.toFloat32()).toEqual(source.toFloat32());
  });

  it("reject a shape mismatch (ConfigError naming table and both shapes) and a missing name", async () => {
    const wide = withPretrained(tinyConfig(), 0, {
      emb_name: "wide",
      embedding_snapshot_uri: safetensorsPath,
    });
    const model = new TwhinModel(wide.model).initialize(1);
    const error = await loadPretrainedTables(model, wide.model).catch((caught) => caught);
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toContain('Table "user" expects 7 x 6');
    expect(error.message).toContain('"wide" in');
    expect(error.message).toContain("is 7 x 5");
    const missing = withPretrained(tinyConfig(), 0, {
      emb_name: "nobody",
      embedding_snapshot_uri: safetensorsPath,
    });
    await expect(loadPretrainedTables(model, missing.model)).rejects.toThrow(DataError);
  });

  it("are checked before training starts: a mismatch writes no checkpoint", async () => {
    const saveDir = join(dir, "run");
    const config = withPretrained(tinyConfig(), 0, {
      emb_name: "wide",
      embedding_snapshot_uri: safetensorsPath,
    });
    const edges = join(dir, "edges.parquet");
    // fav: user -> tweet (relation 0), valid for tinyConfig's tables.
    await writeParquetFile(edges, edgeTable([0, 1, 2, 3], [0, 0, 0, 0], [0, 1, 2, 3]));
    const error = await trainTwhin({
      config: {
        ...config,
        train_data: { ...config.train_data, data_root: edges },
        training: { ...config.training, save_dir: saveDir },
      },
      device: "cpu",
    }).catch((caught) => caught);
    expect(TmlError.isInstance(error, "CONFIG"), String(error)).toBe(true);
    expect(error.message).toContain('Table "user" expects 7 x 6');
    expect(existsSync(saveDir) ? readdirSync(saveDir) : []).toEqual([]);
  });
});
