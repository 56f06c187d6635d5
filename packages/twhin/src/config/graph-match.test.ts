import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { tinyConfig } from "../testing/tiny-graph.js";
import { checkConfigAgainstGraph, findGraphDescriptor, readGraphShape } from "./graph-match.js";

const graph = {
  tables: [
    { name: "user", num_embeddings: 7 },
    { name: "tweet", num_embeddings: 5 },
  ],
  relations: [
    { name: "fav", lhs: "user", rhs: "tweet" },
    { name: "follow", lhs: "user", rhs: "user" },
    { name: "reply", lhs: "tweet", rhs: "user" },
  ],
};

describe("checkConfigAgainstGraph", () => {
  it("accepts the graph's relations in its order and tables with room for its ids", () => {
    expect(() => checkConfigAgainstGraph(tinyConfig(), graph, "g/graph.json")).not.toThrow();
  });

  it("names the key and the file for a renamed, reordered, missing or made-up relation", () => {
    const check = (relations: { name: string; lhs: string; rhs: string }[]) => () =>
      checkConfigAgainstGraph(tinyConfig({ relations }), graph, "g/graph.json");
    expect(check([graph.relations[1]!, graph.relations[0]!, graph.relations[2]!])).toThrow(
      /model\.relations\[0\]: is "follow" .* but g\/graph\.json has relation 0 "fav"/,
    );
    expect(check(graph.relations.slice(0, 2))).toThrow(/model\.relations\[2\]: missing/);
    expect(check([...graph.relations, { name: "made_up", lhs: "user", rhs: "user" }])).toThrow(
      /model\.relations\[3\]: "made_up" is not a relation of g\/graph\.json/,
    );
  });

  it("refuses a table with fewer rows than the graph's ids", () => {
    const config = tinyConfig({
      tables: [
        { name: "user", rows: 3 },
        { name: "tweet", rows: 5 },
      ],
    });
    expect(() => checkConfigAgainstGraph(config, graph, "g/graph.json")).toThrow(
      /tables\[0\]\.num_embeddings: 3 rows, but g\/graph\.json has 7 "user" ids/,
    );
  });
});

describe("findGraphDescriptor", () => {
  it("finds graph.json beside edges/ from a split folder, a glob or a file in it", () => {
    const dir = mkdtempSync(join(tmpdir(), "tml-graph-match-"));
    mkdirSync(join(dir, "edges", "train"), { recursive: true });
    writeFileSync(join(dir, "graph.json"), JSON.stringify(graph));
    expect(findGraphDescriptor(join(dir, "edges", "train"))).toBe(join(dir, "graph.json"));
    expect(findGraphDescriptor(join(dir, "edges", "train", "*.parquet"))).toBe(
      join(dir, "graph.json"),
    );
    writeFileSync(join(dir, "edges", "train", "part-00000.parquet"), "");
    expect(findGraphDescriptor(join(dir, "edges", "train", "part-00000.parquet"))).toBe(
      join(dir, "graph.json"),
    );
    expect(readGraphShape(join(dir, "graph.json")).relations).toHaveLength(3);
    writeFileSync(join(dir, "graph.json"), "{");
    expect(() => readGraphShape(join(dir, "graph.json"))).toThrow(/is not a graph descriptor/);
  });
});
