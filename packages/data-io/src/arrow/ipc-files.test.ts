import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TmlError } from "@tml/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getColumn } from "./column-batch.js";
import { iterateArrowBatches, readArrowFile, writeArrowFile } from "./ipc-files.js";
import { makeTestTable } from "./test-tables.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "tml-arrow-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("Arrow IPC files", () => {
  for (const format of ["file", "stream"] as const) {
    it(`round-trips a table as an IPC ${format} and streams its batches`, async () => {
      const path = join(dir, `t.${format}`);
      const table = makeTestTable(30).concat(makeTestTable(12, 30));
      await writeArrowFile(path, table, { format });
      const magic = new TextDecoder().decode((await readFile(path)).subarray(0, 6));
      expect(magic === "ARROW1").toBe(format === "file");
      const back = await readArrowFile(path);
      expect(back.numRows).toBe(42);
      expect(back.getChild("id")!.get(41)).toBe(41n * 1_000_003n);
      expect([...back.getChild("tags")!.get(41)]).toEqual([410n, 411n]);
      const sizes: number[] = [];
      const xs: number[] = [];
      for await (const batch of iterateArrowBatches(path, { columns: ["x", "embedding"] })) {
        sizes.push(batch.numRows);
        xs.push(...getColumn(batch, "x", "float32").values);
        expect(Object.keys(batch.columns)).toEqual(["x", "embedding"]);
      }
      expect(sizes).toEqual([30, 12]);
      expect(xs).toEqual(Array.from({ length: 42 }, (_, r) => r * 0.5));
    });
  }

  it("rejects missing, empty and non-Arrow files and unknown columns with typed errors", async () => {
    const missing = await readArrowFile(join(dir, "none.arrow")).catch((error) => error);
    expect(TmlError.isInstance(missing, "NOT_FOUND")).toBe(true);
    for (const [name, content] of [
      ["empty.arrow", new Uint8Array(0)],
      ["text.arrow", new TextEncoder().encode("hello, this is not arrow at all")],
    ] as const) {
      const path = join(dir, name);
      await writeFile(path, content);
      const error = await readArrowFile(path).catch((caught) => caught);
      expect(TmlError.isInstance(error, "DATA"), String(error)).toBe(true);
      expect(error.message).toContain(name);
    }
    const path = join(dir, "cols.arrow");
    await writeArrowFile(path, makeTestTable(3));
    const iterate = async () => {
      for await (const _ of iterateArrowBatches(path, { columns: ["zzz"] })) {
        // drain
      }
    };
    await expect(iterate()).rejects.toThrow(/"zzz" is missing in .*cols\.arrow/);
  });
});
