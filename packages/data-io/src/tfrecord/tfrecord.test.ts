import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { maskedCrc32c, TmlError } from "@tml/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { iterateTfRecords } from "./tfrecord-reader.js";
import { writeTfRecordFile } from "./tfrecord-writer.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "tml-tfrecord-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const records = Array.from({ length: 300 }, (_, i) =>
  Uint8Array.from({ length: (i * 37) % 500 }, (_, j) => (i + j) & 0xff),
);

async function collect(path: string): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  for await (const record of iterateTfRecords(path)) out.push(record);
  return out;
}

describe("TFRecord files", () => {
  it("frames records as length, masked CRC, payload, masked CRC", async () => {
    const path = join(dir, "one.tfrecord");
    await writeTfRecordFile(path, [Uint8Array.of(7, 8, 9)]);
    const bytes = new Uint8Array(await readFile(path));
    expect(bytes.length).toBe(8 + 4 + 3 + 4);
    const view = new DataView(bytes.buffer);
    expect(view.getUint32(0, true)).toBe(3);
    expect(view.getUint32(4, true)).toBe(0);
    expect(view.getUint32(8, true)).toBe(maskedCrc32c(bytes.subarray(0, 8)));
    expect([...bytes.subarray(12, 15)]).toEqual([7, 8, 9]);
    expect(view.getUint32(15, true)).toBe(maskedCrc32c(Uint8Array.of(7, 8, 9)));
  });

  for (const compression of ["none", "gzip"] as const) {
    it(`round-trips 300 records (${compression})`, async () => {
      const path = join(dir, `many-${compression}.tfrecord`);
      expect(await writeTfRecordFile(path, records, { compression })).toBe(300);
      const raw = await readFile(path);
      expect(raw[0] === 0x1f && raw[1] === 0x8b).toBe(compression === "gzip");
      if (compression === "gzip") expect(gunzipSync(raw).length).toBeGreaterThan(raw.length);
      const back = await collect(path);
      expect(back.length).toBe(300);
      for (const [i, record] of back.entries()) expect(record).toEqual(records[i]);
    });
  }

  it("names the record whose data or length CRC does not match", async () => {
    const path = join(dir, "flip.tfrecord");
    await writeTfRecordFile(path, records.slice(0, 3));
    const bytes = new Uint8Array(await readFile(path));
    const second = 12 + records[0]!.length + 4;
    const dataFlip = bytes.slice();
    dataFlip[second + 12 + 5]! ^= 0x10;
    await writeFile(path, dataFlip);
    await expect(collect(path)).rejects.toThrow(/flip\.tfrecord: record 1 .*CRC of its data/);
    const lengthFlip = bytes.slice();
    lengthFlip[second]! ^= 0x01;
    await writeFile(path, lengthFlip);
    await expect(collect(path)).rejects.toThrow(/record 1 .*CRC of its length/);
  });

  it("rejects truncated plain and gzip files, and names a missing file", async () => {
    for (const compression of ["none", "gzip"] as const) {
      const path = join(dir, `cut-${compression}.tfrecord`);
      await writeTfRecordFile(path, records.slice(0, 20), { compression });
      const bytes = await readFile(path);
      await writeFile(path, bytes.subarray(0, bytes.length - 7));
      const error = await collect(path).catch((caught) => caught);
      expect(TmlError.isInstance(error, "DATA"), String(error)).toBe(true);
      expect(error.message).toContain(`cut-${compression}.tfrecord`);
    }
    const missing = await collect(join(dir, "nope.tfrecord")).catch((caught) => caught);
    expect(TmlError.isInstance(missing, "NOT_FOUND")).toBe(true);
  });

  it("leaves no output when the record source fails", async () => {
    const path = join(dir, "never.tfrecord");
    async function* failing(): AsyncGenerator<Uint8Array> {
      yield Uint8Array.of(1);
      throw new Error("source broke");
    }
    await expect(writeTfRecordFile(path, failing())).rejects.toThrow(/source broke/);
    await expect(readFile(path)).rejects.toThrow(/ENOENT/);
  });
});
