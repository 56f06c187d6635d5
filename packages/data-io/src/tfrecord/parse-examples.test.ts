import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TmlError } from "@tml/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getColumn } from "../arrow/column-batch.js";
import { encodeExample } from "./example-proto.js";
import { parseExamples } from "./parse-examples.js";
import { iterateTfRecordBatches } from "./read-tfrecord.js";
import {
  HOME_RECAP_2022_RENAMES,
  HOME_RECAP_2022_SEGDENSE,
  loadSegdenseSchema,
  type SegdenseSchema,
  segdenseSchemaSchema,
} from "./segdense-schema.js";
import { writeTfRecordFile } from "./tfrecord-writer.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "tml-examples-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const schema: SegdenseSchema = {
  schema: [
    { feature_name: "cont", dtype: "float_list", length: 3 },
    { feature_name: "label.fav", dtype: "int64_list", length: 1 },
    { feature_name: "meta.user_id", dtype: "int64_list", length: 1 },
    { feature_name: "tags", dtype: "int64_list", length: -1 },
    { feature_name: "raw", dtype: "bytes_list", length: 1 },
  ],
};

function example(row: number, overrides: Parameters<typeof encodeExample>[0] = {}): Uint8Array {
  return encodeExample({
    cont: { kind: "float_list", values: [row, row + 0.5, -row] },
    "label.fav": { kind: "int64_list", values: [BigInt(row % 2)] },
    "meta.user_id": { kind: "int64_list", values: [2n ** 40n + BigInt(row)] },
    tags: { kind: "int64_list", values: Array.from({ length: row % 3 }, (_, k) => BigInt(k)) },
    raw: { kind: "bytes_list", values: [Uint8Array.of(row)] },
    ...overrides,
  });
}

describe("parseExamples", () => {
  it("parses fixed and variable features, renames, and fills missing features with zeros", () => {
    const records = [
      example(0),
      example(1),
      encodeExample({ cont: { kind: "float_list", values: [9, 9, 9] } }),
      example(5),
    ];
    const batch = parseExamples(records, { schema, renames: { user: "meta.user_id" } });
    expect(Object.keys(batch.columns).sort()).toEqual(["cont", "label.fav", "tags", "user"]);
    const cont = getColumn(batch, "cont", "float32");
    expect(cont.rowLength).toBe(3);
    expect([...cont.values]).toEqual([0, 0.5, -0, 1, 1.5, -1, 9, 9, 9, 5, 5.5, -5]);
    const user = getColumn(batch, "user", "int64");
    expect([...user.values]).toEqual([2n ** 40n, 2n ** 40n + 1n, 0n, 2n ** 40n + 5n]);
    expect(user.nullCount).toBe(1);
    const tags = getColumn(batch, "tags", "int64");
    expect(tags.rowLength).toBe(-1);
    expect([...tags.offsets!]).toEqual([0, 0, 1, 1, 3]);
    expect([...tags.values]).toEqual([0n, 0n, 1n]);
  });

  it("projects features and rejects unknown ones, bytes lists, wrong lengths and wrong kinds", () => {
    const batch = parseExamples([example(2)], { schema, features: ["label.fav"] });
    expect(Object.keys(batch.columns)).toEqual(["label.fav"]);
    const configError = (() => {
      try {
        parseExamples([example(0)], { schema, features: ["nope"] });
      } catch (error) {
        return error;
      }
    })();
    expect(TmlError.isInstance(configError, "CONFIG")).toBe(true);
    expect(() => parseExamples([example(0)], { schema, features: ["raw"] })).toThrow(/bytes_list/);
    const short = example(3, { cont: { kind: "float_list", values: [1, 2] } });
    expect(() =>
      parseExamples([example(0), short], { schema, file: "d.tfrecord", firstRecord: 10 }),
    ).toThrow(/d\.tfrecord: record 11 feature "cont" has 2 values, the schema says 3/);
    const wrongKind = example(0, { "label.fav": { kind: "float_list", values: [1] } });
    expect(() => parseExamples([wrongKind], { schema })).toThrow(
      /"label\.fav" is a float_list, the schema says int64_list/,
    );
    expect(() => parseExamples([Uint8Array.of(0x0a, 0x05, 1)], { schema, file: "x" })).toThrow(
      /x: record 0 is not a valid/,
    );
  });

  it("streams a gzip TFRecord file in batches", async () => {
    const path = join(dir, "data.tfrecord.gz");
    await writeTfRecordFile(
      path,
      Array.from({ length: 10 }, (_, row) => example(row)),
      { compression: "gzip" },
    );
    const sizes: number[] = [];
    const labels: bigint[] = [];
    for await (const batch of iterateTfRecordBatches(path, {
      schema,
      batchRows: 4,
      features: ["label.fav"],
    })) {
      sizes.push(batch.numRows);
      labels.push(...getColumn(batch, "label.fav", "int64").values);
    }
    expect(sizes).toEqual([4, 4, 2]);
    expect(labels).toEqual(Array.from({ length: 10 }, (_, row) => BigInt(row % 2)));
  });
});

describe("segdense schema", () => {
  it("holds the original's 22 home_recap_2022 entries", () => {
    const entries = HOME_RECAP_2022_SEGDENSE.schema;
    expect(entries.length).toBe(22);
    expect(segdenseSchemaSchema.parse(HOME_RECAP_2022_SEGDENSE)).toEqual(HOME_RECAP_2022_SEGDENSE);
    const total = (dtype: string) =>
      entries
        .filter((entry) => entry.dtype === dtype)
        .reduce((sum, entry) => sum + entry.length, 0);
    expect(total("float_list")).toBe(6000 + 3 * 200);
    expect(total("int64_list")).toBe(320 + 512 + 13 + 3);
    expect(
      entries.filter((entry) => entry.feature_name.startsWith("recap.engagement.")).length,
    ).toBe(13);
    expect(entries[0]!.feature_name).toBe("home_recap_2022_discrete__segdense_vals");
    expect(entries[21]!.feature_name).toBe(
      "user.timelines.twhin_user_follow_embeddings.twhin_user_follow_embeddings",
    );
    const names = new Set(entries.map((entry) => entry.feature_name));
    for (const name of Object.values(HOME_RECAP_2022_RENAMES)) expect(names.has(name)).toBe(true);
  });

  it("parses a full-size home_recap_2022 record", () => {
    const features: Parameters<typeof encodeExample>[0] = {};
    for (const entry of HOME_RECAP_2022_SEGDENSE.schema) {
      features[entry.feature_name] =
        entry.dtype === "float_list"
          ? {
              kind: "float_list",
              values: Float32Array.from({ length: entry.length }, (_, i) => i / 8),
            }
          : {
              kind: "int64_list",
              values: Array.from({ length: entry.length }, (_, i) => BigInt(i % 10)),
            };
    }
    const batch = parseExamples([encodeExample(features)], {
      schema: HOME_RECAP_2022_SEGDENSE,
      renames: HOME_RECAP_2022_RENAMES,
    });
    const continuous = getColumn(batch, "continuous", "float32");
    expect(continuous.values.length).toBe(6000);
    expect(continuous.values[5999]).toBe(5999 / 8);
    expect(getColumn(batch, "discrete", "int64").values[319]).toBe(9n);
    expect(getColumn(batch, "user_embedding", "float32").rowLength).toBe(200);
    expect(batch.columns["recap.engagement.is_favorited"]!.rowLength).toBe(1);
  });

  it("loads a schema file and reports bad ones with their key path", async () => {
    const good = join(dir, "segdense.json");
    await writeFile(good, JSON.stringify(HOME_RECAP_2022_SEGDENSE));
    expect(loadSegdenseSchema(good)).toEqual(HOME_RECAP_2022_SEGDENSE);
    const bad = join(dir, "bad.json");
    await writeFile(
      bad,
      JSON.stringify({ schema: [{ feature_name: "a", dtype: "float_list", length: 0 }] }),
    );
    expect(() => loadSegdenseSchema(bad)).toThrow(/schema\[0\]\.length/);
    expect(() => loadSegdenseSchema(join(dir, "none.json"))).toThrow(/none\.json/);
  });

  it("accepts assembled columns only when length counts them", () => {
    const entry = { feature_name: "dense", dtype: "float_list" } as const;
    const parse = (length: number, columns: string[]) =>
      segdenseSchemaSchema.safeParse({ schema: [{ ...entry, length, columns }] }).success;
    expect(parse(2, ["a", "b"])).toBe(true);
    expect(parse(0, [])).toBe(true);
    expect(parse(3, ["a", "b"])).toBe(false);
  });
});
