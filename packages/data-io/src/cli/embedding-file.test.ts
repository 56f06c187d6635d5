import { readFileSync } from "node:fs";
import { join } from "node:path";
import { DataError } from "@tml/core";
import * as arrow from "apache-arrow";
import { describe, expect, it } from "vitest";
import { scratchDirs } from "../generators/__fixtures__/scratch.js";
import { writeParquetFile } from "../parquet/index.js";
import { readEmbeddingMatrix } from "./embedding-file.js";
import { main } from "./main.js";

const scratch = scratchDirs("tml-emb-");

async function writeEmbeddings(path: string, ids: number[], vectors: number[][]): Promise<void> {
  const dim = vectors[0]!.length;
  const child = arrow.makeData({
    type: new arrow.Float32(),
    length: ids.length * dim,
    data: Float32Array.from(vectors.flat()),
  });
  const type = new arrow.FixedSizeList(dim, new arrow.Field("item", new arrow.Float32(), false));
  const embedding = arrow.makeVector(
    arrow.makeData({ type, length: ids.length, nullCount: 0, child }),
  );
  await writeParquetFile(
    path,
    new arrow.Table({ id: arrow.makeVector(BigInt64Array.from(ids, BigInt)), embedding }),
  );
}

describe("readEmbeddingMatrix", () => {
  it("places rows by their id column", async () => {
    const path = join(scratch(), "e.parquet");
    await writeEmbeddings(
      path,
      [2, 0, 1],
      [
        [2, 2],
        [0, 0],
        [1, 1],
      ],
    );
    const table = await readEmbeddingMatrix(path);
    expect(table).toEqual({ rows: 3, dim: 2, values: Float32Array.from([0, 0, 1, 1, 2, 2]) });
  });

  it("rejects repeated or out-of-range ids", async () => {
    const path = join(scratch(), "e.parquet");
    await writeEmbeddings(path, [0, 0], [[1], [2]]);
    await expect(readEmbeddingMatrix(path)).rejects.toBeInstanceOf(DataError);
    await writeEmbeddings(path, [0, 5], [[1], [2]]);
    await expect(readEmbeddingMatrix(path)).rejects.toThrow(/id 5 \(row 1\) is out of range/);
  });

  it("feeds TwHIN-style embeddings and graph communities into the ranker generator", async () => {
    const graph = scratch();
    const io = { stdout: () => undefined, stderr: () => undefined };
    const args = [
      "--users",
      "300",
      "--tweets",
      "50",
      "--edges",
      "2000",
      "--communities",
      "3",
      "--seed",
      "1",
    ];
    expect(await main(["generate", "graph", "--out", graph, ...args], io)).toBe(0);
    const embeddings = join(scratch(), "user.parquet");
    await writeEmbeddings(
      embeddings,
      Array.from({ length: 300 }, (_, i) => i),
      Array.from({ length: 300 }, (_, i) => [i % 7, 1, -1, i % 3]),
    );
    const out = scratch();
    const code = await main(
      [
        "generate",
        "ranker",
        "--rows",
        "50",
        "--out",
        out,
        "--user-embeddings",
        embeddings,
        "--graph",
        graph,
        "--calibration-rows",
        "1000",
      ],
      io,
    );
    expect(code).toBe(0);
    const report = JSON.parse(readFileSync(join(out, "generator.json"), "utf8"));
    expect(report.tasks["recap.engagement.is_favorited"].rows).toBe(50);
    expect(
      await main(["generate", "ranker", "--rows", "5", "--out", scratch(), "--graph", graph], io),
    ).toBe(2);
  });
});
