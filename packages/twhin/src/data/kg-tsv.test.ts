import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DataError, NotFoundError } from "@tml/core";
import { afterAll, describe, expect, it } from "vitest";
import { readKnowledgeGraph } from "./kg-tsv.js";

const dir = mkdtempSync(join(tmpdir(), "tml-kg-tsv-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("readKnowledgeGraph", () => {
  it("reads the splits with ids in name order; valid.txt may be absent; bad input is typed", async () => {
    writeFileSync(join(dir, "train.txt"), "b\tr1\ta\nb\tr1\ta\nc\tr0\tb\n");
    writeFileSync(join(dir, "test.txt"), "a\tr0\tz\n");
    const kg = await readKnowledgeGraph(dir);
    expect(kg.entities).toEqual(["a", "b", "c", "z"]);
    expect(kg.relations).toEqual(["r0", "r1"]);
    expect(kg.train.size).toBe(3);
    expect([...kg.train.lhs]).toEqual([1, 1, 2]);
    expect([...kg.train.rel]).toEqual([1, 1, 0]);
    expect([...kg.train.rhs]).toEqual([0, 0, 1]);
    expect([kg.valid.size, kg.test.size, kg.test.rhs[0]]).toEqual([0, 1, 3]);
    writeFileSync(join(dir, "valid.txt"), "a\tr0\t\n");
    await expect(readKnowledgeGraph(dir)).rejects.toBeInstanceOf(DataError);
    await expect(readKnowledgeGraph(dir)).rejects.toThrow(/valid\.txt:1/);
    rmSync(join(dir, "valid.txt"));
    rmSync(join(dir, "test.txt"));
    await expect(readKnowledgeGraph(dir)).rejects.toBeInstanceOf(NotFoundError);
  });
});
