import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Rng, TmlError } from "@tml/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { iterateArrowBatches, writeArrowFile } from "../arrow/ipc-files.js";
import { makeTestTable } from "../arrow/test-tables.js";
import { iterateParquetBatches } from "../parquet/read-parquet.js";
import { writeParquetFile } from "../parquet/write-parquet.js";
import { encodeExample } from "../tfrecord/example-proto.js";
import { iterateTfRecordBatches } from "../tfrecord/read-tfrecord.js";
import { writeTfRecordFile } from "../tfrecord/tfrecord-writer.js";

// Seeded corruption of valid files (truncations, bit flips, overwritten runs) fed to every
// reader: each must return data or throw a TmlError — never another error, never hang.
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "tml-fuzz-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function corrupt(bytes: Uint8Array, rng: Rng): Uint8Array {
  const kind = rng.int(3);
  if (kind === 0) return bytes.slice(0, rng.int(bytes.length));
  const copy = bytes.slice();
  if (kind === 1) {
    for (let flips = 1 + rng.int(4); flips > 0; flips--)
      copy[rng.int(copy.length)]! ^= 1 << rng.int(8);
  } else {
    const start = rng.int(copy.length);
    for (let i = start; i < Math.min(copy.length, start + 1 + rng.int(16)); i++)
      copy[i] = rng.int(256);
  }
  return copy;
}

async function drain(read: () => AsyncIterable<unknown>): Promise<"data" | "error"> {
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error("reader hung for 10 s")), 10_000);
  });
  const work = (async () => {
    try {
      for await (const _ of read()) {
        // drain
      }
      return "data" as const;
    } catch (error) {
      if (TmlError.isInstance(error)) return "error" as const;
      throw error;
    }
  })();
  try {
    return await Promise.race([work, hang]);
  } finally {
    clearTimeout(timer);
  }
}

const formats = {
  parquet: {
    write: (path: string) => writeParquetFile(path, makeTestTable(200), { rowGroupSize: 64 }),
    read: (path: string) => iterateParquetBatches(path),
  },
  arrow: {
    write: (path: string) =>
      writeArrowFile(path, makeTestTable(100).concat(makeTestTable(50, 100))),
    read: (path: string) => iterateArrowBatches(path),
  },
  tfrecord: {
    write: (path: string) =>
      writeTfRecordFile(
        path,
        Array.from({ length: 40 }, (_, row) =>
          encodeExample({
            v: { kind: "float_list", values: [row, 1] },
            y: { kind: "int64_list", values: [BigInt(row)] },
          }),
        ),
        { compression: path.endsWith(".gz") ? "gzip" : "none" },
      ),
    read: (path: string) =>
      iterateTfRecordBatches(path, {
        schema: {
          schema: [
            { feature_name: "v", dtype: "float_list", length: 2 },
            { feature_name: "y", dtype: "int64_list", length: 1 },
          ],
        },
        batchRows: 16,
      }),
  },
} as const;

describe("corrupted input", () => {
  // Arrow IPC: a runaway parse costs a worker restart, so fewer cases.
  // Arrow IPC has no checksums: many corruptions still decode, so fewer errors are required.
  for (const [format, file, cases, minErrors] of [
    ["parquet", "good.parquet", 40, 10],
    ["arrow", "good.arrow", 16, 2],
    ["tfrecord", "good.tfrecord", 60, 20],
    ["tfrecord", "good.tfrecord.gz", 60, 20],
  ] as const) {
    it(`${file}: every corruption gives data or a typed error`, async () => {
      const { write, read } = formats[format];
      const good = join(dir, file);
      await write(good);
      const bytes = new Uint8Array(await readFile(good));
      const rng = new Rng(20261126).fork(file);
      const outcomes = { data: 0, error: 0 };
      for (let index = 0; index < cases; index++) {
        const path = join(dir, `bad-${index}-${file}`);
        await writeFile(path, corrupt(bytes, rng));
        outcomes[await drain(() => read(path))]++;
      }
      expect(outcomes.error).toBeGreaterThanOrEqual(minErrors);
      // The reader still works on the intact file afterwards (no poisoned wasm state).
      expect(await drain(() => read(good))).toBe("data");
    });
  }
});
