import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DataError, NotFoundError } from "@tml/core";
import { sharedDataDir } from "@tml/core/testing";
import { describe, expect, it } from "vitest";
import { scratchDirs } from "../generators/__fixtures__/scratch.js";
import { readParquetFile } from "../parquet/index.js";
import { duckdbRows } from "./__fixtures__/duckdb.js";
import { convertKnowledgeGraph, readKnowledgeGraphTriples } from "./knowledge-graph.js";

const scratch = scratchDirs("tml-kg-");
const data = sharedDataDir();

function writeKg(dir: string, train: string, valid: string, test: string): void {
  writeFileSync(join(dir, "train.txt"), train);
  writeFileSync(join(dir, "valid.txt"), valid);
  writeFileSync(join(dir, "test.txt"), test);
}

describe("convertKnowledgeGraph", () => {
  it("assigns ids by name and keeps (and counts) test entities unseen in train", async () => {
    const input = scratch();
    const output = scratch();
    writeKg(
      input,
      "b\tlikes\ta\r\na\tknows\tc\r\n",
      "c\tlikes\ta\n",
      "a\tknows\tz\nq\tnew_rel\tb\n\n",
    );
    const descriptor = await convertKnowledgeGraph(input, output);
    const entities = JSON.parse(readFileSync(join(output, "entities.json"), "utf8"));
    expect(entities).toEqual(["a", "b", "c", "q", "z"]);
    expect(JSON.parse(readFileSync(join(output, "relations.json"), "utf8"))).toEqual([
      "knows",
      "likes",
      "new_rel",
    ]);
    const test = await readParquetFile(join(output, "edges/test/part-00000.parquet"));
    expect(Array.from(test.getChild("lhs")!.toArray())).toEqual([0n, 3n]);
    expect(Array.from(test.getChild("rel")!.toArray())).toEqual([0n, 2n]);
    expect(Array.from(test.getChild("rhs")!.toArray())).toEqual([4n, 1n]);
    expect(descriptor.statistics).toMatchObject({
      entities: 5,
      train_entity_nodes: 3,
      test_edges_with_unseen_node: 2,
      test_unseen_nodes: 2,
      test_edges_with_unseen_relation: 1,
      valid_edges_with_unseen_node: 0,
    });
    expect(descriptor.relations[1]).toEqual({
      name: "likes",
      lhs: "entity",
      rhs: "entity",
      edges: { train: 1, valid: 1 },
    });
    expect(JSON.parse(readFileSync(join(output, "graph.json"), "utf8"))).toEqual(descriptor);
  });

  it("names file and line of a malformed triple, and missing files", async () => {
    const input = scratch();
    writeKg(input, "a\tr\tb\na\tr\n", "", "");
    await expect(convertKnowledgeGraph(input, scratch())).rejects.toThrow(
      /train\.txt:2: expected head<TAB>relation<TAB>tail, got 2/,
    );
    await expect(convertKnowledgeGraph(input, scratch())).rejects.toBeInstanceOf(DataError);
    await expect(convertKnowledgeGraph(join(input, "nope"), scratch())).rejects.toBeInstanceOf(
      NotFoundError,
    );
  });

  it("reads the splits in memory with the converter's ids; rejects four fields and an empty one", async () => {
    const input = scratch();
    writeKg(input, "b\tlikes\ta\nb\tlikes\ta\n", "c\tlikes\ta\n", "a\tknows\tz\n");
    const kg = await readKnowledgeGraphTriples(input);
    expect(kg.entities).toEqual(["a", "b", "c", "z"]);
    expect(kg.relations).toEqual(["knows", "likes"]);
    expect([...kg.splits.keys()]).toEqual(["train", "valid", "test"]);
    // Duplicates are kept.
    expect(kg.splits.get("train")).toEqual({ lhs: [1, 1], rel: [1, 1], rhs: [0, 0] });
    expect(kg.splits.get("test")).toEqual({ lhs: [0], rel: [0], rhs: [3] });
    for (const line of ["a\tr\tb\tc", "a\t\tb", " \tr\tb"]) {
      writeKg(input, "a\tr\tb\n", `${line}\n`, "a\tr\tb\n");
      await expect(readKnowledgeGraphTriples(input)).rejects.toBeInstanceOf(DataError);
      await expect(readKnowledgeGraphTriples(input)).rejects.toThrow(/valid\.txt:1: expected/);
    }
    writeKg(input, "a\tr\tb\n", "a\tr\tb\n", "a\tr\tb\n");
    const splits = { train: "train.txt", test: "test.txt" };
    expect([...(await readKnowledgeGraphTriples(input, { splits })).splits.keys()]).toEqual([
      "train",
      "test",
    ]);
    rmSync(join(input, "test.txt"));
    await expect(readKnowledgeGraphTriples(input)).rejects.toBeInstanceOf(NotFoundError);
  });

  it.skipIf(!data)("converts FB15k-237 with the published counts", async () => {
    const output = scratch();
    const descriptor = await convertKnowledgeGraph(join(data as string, "fb15k-237"), output);
    expect(descriptor.tables[0]!.num_embeddings).toBe(14_541);
    expect(descriptor.relations).toHaveLength(237);
    expect(descriptor.splits.train!.rows).toBe(272_115);
    expect(descriptor.splits.valid!.rows).toBe(17_535);
    expect(descriptor.splits.test!.rows).toBe(20_466);
    expect(descriptor.statistics!.valid_edges_with_unseen_node).toBe(9);
    expect(descriptor.statistics!.test_edges_with_unseen_node).toBe(28);
    // DuckDB, an independent reader, sees the same rows and ranges.
    const [row] = await duckdbRows(
      `SELECT count(*) AS n, min(lhs) AS lo, max(greatest(lhs, rhs)) AS hi, max(rel) AS r FROM read_parquet('${join(output, "edges/train/*.parquet")}')`,
    );
    expect(row).toEqual({ n: 272_115n, lo: 0n, hi: 14_540n, r: 236n });
  });

  it.skipIf(!data)("converts WN18RR with the published counts", async () => {
    const descriptor = await convertKnowledgeGraph(join(data as string, "wn18rr"), scratch());
    expect(descriptor.tables[0]!.num_embeddings).toBe(40_943);
    expect(descriptor.relations).toHaveLength(11);
    expect([
      descriptor.splits.train!.rows,
      descriptor.splits.valid!.rows,
      descriptor.splits.test!.rows,
    ]).toEqual([86_835, 3_034, 3_134]);
    expect(descriptor.statistics!.test_edges_with_unseen_node).toBe(210);
    expect(descriptor.statistics!.valid_edges_with_unseen_node).toBe(210);
  });
});
