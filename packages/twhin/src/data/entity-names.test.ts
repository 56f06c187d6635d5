import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TmlError } from "@tml/core";
import { describe, expect, it } from "vitest";
import { readEntityNames } from "./entity-names.js";

describe("readEntityNames", () => {
  it("reads the dictionaries graph.json names, found above the edge glob", () => {
    const graph = mkdtempSync(join(tmpdir(), "twhin-names-"));
    mkdirSync(join(graph, "edges", "train"), { recursive: true });
    const glob = join(graph, "edges", "train", "*.parquet");
    expect(readEntityNames(glob).size).toBe(0); // no graph.json
    writeFileSync(
      join(graph, "graph.json"),
      JSON.stringify({
        tables: [{ name: "entity", dictionary_file: "entities.json" }, { name: "tag" }],
      }),
    );
    writeFileSync(join(graph, "entities.json"), JSON.stringify(["/m/0a", "/m/0b"]));
    expect([...readEntityNames(glob)]).toEqual([["entity", ["/m/0a", "/m/0b"]]]);
    writeFileSync(join(graph, "entities.json"), JSON.stringify({ 0: "/m/0a" }));
    expect(() => readEntityNames(glob)).toThrow(
      expect.objectContaining({ code: "DATA", message: expect.stringContaining("entities.json") }),
    );
    writeFileSync(join(graph, "entities.json"), "[");
    let error: unknown;
    try {
      readEntityNames(glob);
    } catch (caught) {
      error = caught;
    }
    expect(TmlError.isInstance(error, "DATA")).toBe(true);
  });
});
