import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { configKeyPaths } from "./config-key-paths.js";
import { unreadConfigKeys } from "./config-key-readers.js";

const mlp = z.strictObject({ layer_sizes: z.array(z.number()) });
const schema = z.strictObject({
  tasks: z.record(z.string(), z.strictObject({ mlp: mlp.nullable().default(null) })),
  backbone: mlp.nullish(),
  data: z.preprocess((raw) => raw, z.strictObject({ batch_size: z.number(), cache: z.boolean() })),
  tables: z.array(z.strictObject({ name: z.string() })),
});

function repository(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), "config-keys-"));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(root, name, ".."), { recursive: true });
    writeFileSync(join(root, name), text);
  }
  return root;
}

const readers = {
  tasks: "src/model.ts",
  "tasks.*.mlp": "src/model.ts",
  "tasks.*.mlp.layer_sizes": "src/model.ts",
  backbone: "src/model.ts",
  data: "src/data.ts",
  "data.batch_size": "src/data.ts",
  "data.cache": "src/data.ts",
  tables: "src/model.ts",
  "tables[].name": "src/model.ts",
};

describe("configKeyPaths", () => {
  it("walks records, arrays, wrappers and pipes; a reused object is listed once with aliases", () => {
    const keys = configKeyPaths(schema);
    expect(keys.map((key) => key.path)).toEqual(Object.keys(readers));
    expect(keys.find((key) => key.path === "tasks.*.mlp.layer_sizes")?.aliases).toEqual([
      "backbone.layer_sizes",
    ]);
  });
});

describe("unreadConfigKeys", () => {
  const model =
    "const x = config.tasks; x.mlp; mlp.layer_sizes; config.backbone; t.tables.map((t) => t.name);";
  it("passes when every key is named by its reader", () => {
    const root = repository({
      "src/model.ts": model,
      "src/data.ts": "d.data; d.batch_size; d.cache;",
    });
    expect(unreadConfigKeys({ schema, readers, root })).toEqual([]);
  });

  it("counts a loop's destructuring as a read, and a loop without the key as none", () => {
    const files = (loop: string) => ({
      "src/model.ts": model.replace("t.tables.map((t) => t.name);", loop),
      "src/data.ts": "d.data; d.batch_size; d.cache;",
    });
    const read = repository(files("for (const { name } of config.tables) use(name);"));
    expect(unreadConfigKeys({ schema, readers, root: read })).toEqual([]);
    const unread = repository(files("for (const { other } of config.tables) use(other);"));
    expect(unreadConfigKeys({ schema, readers, root: unread })).toEqual([
      'tables[].name: src/model.ts never reads "name"',
    ]);
  });

  it("fails on a key nobody reads, a stale entry, a comment-only mention and a schema declaration", () => {
    const root = repository({
      "src/model.ts": model,
      "src/data.ts": "d.data; d.batch_size; // cache is ignored\n/* cache */",
      "src/schema.ts":
        "const data = z.strictObject({ batch_size: z.number(), cache: z.boolean() });",
    });
    const { "data.cache": _cache, ...withoutCache } = readers;
    expect(unreadConfigKeys({ schema, readers: withoutCache, root })).toEqual([
      "data.cache: no code reads this key (register its reader, implement it, or reject it)",
    ]);
    expect(unreadConfigKeys({ schema, readers, root })).toEqual([
      'data.cache: src/data.ts never reads "cache"',
    ]);
    expect(
      unreadConfigKeys({ schema, readers: { ...readers, "data.cache": "src/schema.ts" }, root }),
    ).toEqual(['data.cache: src/schema.ts never reads "cache"']);
    expect(
      unreadConfigKeys({
        schema,
        readers: { ...readers, "data.gone": "src/data.ts" },
        pending: ["data.cache", "data.also_gone"],
        root,
      }),
    ).toEqual([
      "data.gone: registered, but the schema has no such key",
      "data.also_gone: registered, but the schema has no such key",
    ]);
  });

  it("skips fixed keys (one literal) and the sub-keys of a section rejected whole", () => {
    const withAxis = z.strictObject({
      norm: z.strictObject({ axis: z.literal(-1).default(-1), epsilon: z.number() }).nullish(),
    });
    const root = repository({ "src/norm.ts": "config.norm; config.epsilon;" });
    expect(
      unreadConfigKeys({
        schema: withAxis,
        readers: { norm: "src/norm.ts", "norm.epsilon": "src/norm.ts" },
        root,
      }),
    ).toEqual([]);
    expect(
      unreadConfigKeys({
        schema: withAxis,
        readers: { norm: "src/norm.ts" },
        rejectedSections: ["norm"],
        root,
      }),
    ).toEqual([]);
  });

  it("skips pending keys and keys covered by another walk", () => {
    const root = repository({ "src/model.ts": model, "src/data.ts": "" });
    expect(unreadConfigKeys({ schema, readers, root, coveredElsewhere: ["data"] })).toEqual([]);
    expect(
      unreadConfigKeys({
        schema,
        readers,
        root,
        pending: ["data", "data.batch_size", "data.cache"],
      }),
    ).toEqual([]);
  });
});
