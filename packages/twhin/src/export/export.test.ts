import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Rng, TmlError } from "@tml/core";
import { afterAll, describe, expect, it } from "vitest";
import { EmbeddingTable } from "../model/embedding-table.js";
import { readEmbeddings, writeEmbeddings } from "./embedding-files.js";
import { embeddingFeatures } from "./feature-lookup.js";
import { topKNeighbours } from "./nearest.js";

const dir = mkdtempSync(join(tmpdir(), "twhin-export-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const rng = new Rng(5);
const user = EmbeddingTable.allocate("user", 37, 6).initUniform(rng, 1);
const author = EmbeddingTable.allocate("author", 11, 6).initUniform(rng, 1);

describe("embedding export", () => {
  it("a table name that would leave the output folder is refused and writes nothing", async () => {
    const out = join(dir, "safe", "export");
    for (const name of ["../escaped", "../../escaped", "/tmp/escaped-absolute", "a/../../x"]) {
      const table = EmbeddingTable.allocate(name, 2, 6);
      await expect(writeEmbeddings([table], out)).rejects.toThrow(/outside .*export/);
    }
    expect(readdirSync(join(dir, "safe"))).toEqual(["export"]);
    expect(readdirSync(out)).toEqual([]);
  });

  for (const format of ["parquet", "arrow"] as const) {
    it(`round-trips through ${format} files (split into parts)`, async () => {
      const files = await writeEmbeddings([user, author], join(dir, format), {
        format,
        rowsPerFile: 16,
      });
      expect(files.map((f) => f.split("/").pop())).toEqual([
        `user-00000.${format}`,
        `user-00001.${format}`,
        `user-00002.${format}`,
        `author-00000.${format}`,
      ]);
      const back = await readEmbeddings(files);
      expect([...back.keys()]).toEqual(["user", "author"]);
      expect(back.get("user")!.ids).toEqual(Int32Array.from({ length: 37 }, (_, i) => i));
      expect(back.get("user")!.vectors).toEqual(user.toFloat32());
      expect(back.get("author")!.vectors).toEqual(author.stored);
    });
  }

  it("serves Heavy Ranker feature rows by id (user_embedding / author_embedding)", async () => {
    const back = await readEmbeddings(await writeEmbeddings([author], join(dir, "features")));
    const rows = embeddingFeatures(back.get("author")!, [3n, 0n, 10n, 99n]);
    expect(rows.subarray(0, 6)).toEqual(author.toFloat32(3, 3 + 1));
    expect(rows.subarray(12, 18)).toEqual(author.toFloat32(10, 10 + 1));
    expect(Array.from(rows.subarray(18, 24))).toEqual([0, 0, 0, 0, 0, 0]);
    expect(embeddingFeatures(back.get("author")!, [1], { dim: 8 }).subarray(6)).toEqual(
      new Float32Array(2),
    );
    expect(() => embeddingFeatures(back.get("author")!, [99], { missing: "error" })).toThrow(
      /id 99/,
    );
  });
});

describe("topKNeighbours", () => {
  for (const metric of ["dot", "cos"] as const) {
    it(`matches brute force (${metric})`, async () => {
      const queries = user.toFloat32().subarray(0, 5 * 6);
      const exclude = Int32Array.from([0, 1, 2, 3, 4]);
      const result = await topKNeighbours(user.toFloat32(), user.rows, 6, queries, 5, {
        k: 4,
        metric,
        exclude,
      });
      for (let q = 0; q < 5; q++) {
        const scored = Array.from({ length: user.rows }, (_, j) => {
          let ab = 0;
          let aa = 0;
          let bb = 0;
          for (let d = 0; d < 6; d++) {
            ab += user.toFloat32()[q * 6 + d]! * user.toFloat32()[j * 6 + d]!;
            aa += user.toFloat32()[q * 6 + d]! ** 2;
            bb += user.toFloat32()[j * 6 + d]! ** 2;
          }
          return { j, s: metric === "dot" ? ab : ab / Math.sqrt(aa * bb) };
        })
          .filter(({ j }) => j !== q)
          .sort((a, b) => b.s - a.s);
        expect(Array.from(result.ids.subarray(q * 4, q * 4 + 4))).toEqual(
          scored.slice(0, 4).map((x) => x.j),
        );
        expect(result.scores[q * 4]).toBeCloseTo(scored[0]!.s, 5);
      }
    });
  }

  it("rejects k < 1 with DataError", async () => {
    try {
      await topKNeighbours(user.toFloat32(), user.rows, 6, user.toFloat32().subarray(0, 6), 1, {
        k: 0,
        metric: "dot",
      });
      expect.unreachable();
    } catch (error) {
      expect(TmlError.isInstance(error, "DATA")).toBe(true);
    }
  });
});
