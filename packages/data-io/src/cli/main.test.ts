import { spawnSync } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import * as arrow from "apache-arrow";
import { describe, expect, it } from "vitest";
import { scratchDirs } from "../generators/__fixtures__/scratch.js";
import { writeParquetFile } from "../parquet/index.js";
import { main } from "./main.js";

const scratch = scratchDirs("tml-cli-");

async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const code = await main(argv, {
    stdout: (text) => (out += text),
    stderr: (text) => (err += text),
  });
  return { code, out, err };
}

describe("tml-data main", () => {
  it("prints help and exits 0; unknown commands and flags exit 2", async () => {
    const help = await run("--help");
    expect(help.code).toBe(0);
    expect(help.out).toContain("tml-data head FILE");
    expect((await run()).code).toBe(0);
    expect((await run("head", "--help")).code).toBe(0);
    const unknown = await run("frobnicate");
    expect(unknown.code).toBe(2);
    expect(unknown.err).toMatch(/unknown command "frobnicate"/);
    expect((await run("head", "x.parquet", "--bogus")).code).toBe(2);
    expect((await run("generate", "ranker", "--out", scratch())).err).toMatch(/--rows is required/);
    expect((await run("generate", "ranker", "--out", scratch(), "--rows", "-3")).code).toBe(2);
    expect((await run("convert", "imagenet", "--in", "a", "--out", "b")).err).toMatch(
      /unknown dataset "imagenet"/,
    );
    expect((await run("count", join(scratch(), "missing.parquet"))).code).toBe(4);
    const empty = await run("count", scratch());
    expect([empty.code, empty.out]).toEqual([4, ""]);
    expect(empty.err).toMatch(/holds no \.parquet files/);
  });

  it("an --out that is a file is an I/O error (exit 10) naming it, not an internal error", async () => {
    const file = join(scratch(), "out");
    writeFileSync(file, "a file");
    const result = await run("generate", "graph", "--out", file, "--edges", "100");
    expect(result.code).toBe(10);
    expect(result.err).toMatch(new RegExp(`^error: .*${file}.*\\((ENOTDIR|EEXIST)\\)\n$`));
  });

  it("convert higgs --split-time takes Unix seconds or an ISO date-time", async () => {
    const input = scratch();
    const lines = ["30 10 100 RT", "10 20 150 MT", "20 30 300 RE", "99 10 400 RT"];
    writeFileSync(join(input, "higgs-activity_time.txt.gz"), gzipSync(`${lines.join("\n")}\n`));
    const converted = await run("convert", "higgs", "--in", input, "--out", scratch(), "--json");
    // The default boundary (2012-07-06) puts every one of these 1970 events in train.
    expect(JSON.parse(converted.out).splits).toEqual({ train: 4, test: 0 });
    for (const time of ["200", "1970-01-01T00:03:20Z"]) {
      const split = await run(
        ...["convert", "higgs", "--in", input, "--out", scratch(), "--split-time", time, "--json"],
      );
      expect(split.code, split.err).toBe(0);
      expect(JSON.parse(split.out).splits).toEqual({ train: 2, test: 2 });
    }
    const bad = await run(
      "convert",
      "higgs",
      "--in",
      input,
      "--out",
      scratch(),
      "--split-time",
      "July",
    );
    expect([bad.code, bad.err]).toEqual([2, expect.stringMatching(/--split-time must be Unix/)]);
    const other = await run(
      "convert",
      "kg",
      "--in",
      input,
      "--out",
      scratch(),
      "--split-time",
      "1",
    );
    expect([other.code, other.err]).toEqual([2, expect.stringMatching(/higgs only/)]);
  });

  it("inspects a Parquet file: head, schema, distinct, count", async () => {
    const dir = scratch();
    const file = join(dir, "t.parquet");
    const fsl = arrow.makeData({
      type: new arrow.FixedSizeList(6, new arrow.Field("item", new arrow.Float32(), false)),
      length: 3,
      nullCount: 0,
      child: arrow.makeData({
        type: new arrow.Float32(),
        length: 18,
        data: Float32Array.from({ length: 18 }, (_, i) => i / 2),
      }),
    });
    const table = new arrow.Table({
      id: arrow.makeVector(new BigInt64Array([7n, 8n, 7n])),
      name: arrow.vectorFromArray(["a", "b", "a"], new arrow.Utf8()),
      vec: arrow.makeVector(fsl),
    });
    await writeParquetFile(file, table, { rowGroupSize: 2 });
    const head = await run("head", file, "--num", "2");
    expect(head.code).toBe(0);
    expect(head.out.split("\n")[0]).toMatch(/^id\s+name\s+vec$/);
    expect(head.out).toContain("[0, 0.5, 1, 1.5, …] (6)");
    const json = await run("head", file, "--json", "--num", "5", "--columns", "vec,id");
    const lines = json.out
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line));
    expect(lines).toHaveLength(3);
    expect(lines[2]).toEqual({ vec: [6, 6.5, 7, 7.5, 8, 8.5], id: 7 });
    expect(Object.keys(lines[0])).toEqual(["vec", "id"]);
    const schema = JSON.parse((await run("schema", file, "--json")).out);
    expect(schema).toMatchObject({ rows: 3, row_groups: 2 });
    expect(schema.fields.map((f: { name: string; type: string }) => `${f.name}:${f.type}`)).toEqual(
      ["id:Int64", "name:Utf8", "vec:FixedSizeList[6]<Float32>"],
    );
    const distinct = JSON.parse(
      (await run("distinct", file, "--json", "--columns", "id,name")).out,
    );
    expect(distinct).toEqual({ id: [7, 8], name: ["a", "b"] });
    const count = await run("count", file, dir);
    expect(count.out).toBe(`3\t${file}\n3\t${file}\n6\ttotal\n`);
    const missingColumn = await run("head", file, "--columns", "nope");
    expect(missingColumn.code).toBe(5);
    expect(missingColumn.err).toMatch(/Column "nope" is missing/);
  });

  it("generates a graph and ranker data end to end", async () => {
    const graph = scratch();
    const made = await run(
      "generate",
      "graph",
      "--out",
      graph,
      "--users",
      "200",
      "--tweets",
      "100",
      "--edges",
      "3000",
      "--communities",
      "4",
      "--shard-edges",
      "1000",
      "--seed",
      "5",
    );
    expect(made.code).toBe(0);
    expect(made.out).toMatch(/train 3000 \/ test \d+ edges/);
    const counted = JSON.parse((await run("count", join(graph, "edges", "train"), "--json")).out);
    expect(counted.total).toBe(3000);
    expect(counted.files).toHaveLength(3);
    const ranker = scratch();
    const generated = await run(
      "generate",
      "ranker",
      "--rows",
      "3",
      "--out",
      ranker,
      "--users",
      "50",
      "--authors",
      "10",
      "--calibration-rows",
      "500",
      "--rate",
      "recap.engagement.is_favorited=0.2",
    );
    expect(generated.code).toBe(0);
    expect(generated.out).toMatch(
      /recap\.engagement\.is_favorited: positive rate [\d.]+ \(target 0\.2\), Bayes-optimal AUC 0\.\d+/,
    );
    const head = await run(
      "head",
      join(ranker, "part-00000.parquet"),
      "--num",
      "1",
      "--columns",
      "meta.user_id,home_recap_2022_cont__segdense_vals",
    );
    expect(head.out).toMatch(/\(6000\)/);
    // 6000 floats + 512 + 320 int64 + 600 floats ≈ 31 KB per row: a million rows is over 500 MB.
    const refused = await run("head", join(ranker, "part-00000.parquet"), "--num", "1000000");
    expect(refused.code).toBe(2);
    expect(refused.err).toMatch(/limit 500 MB/);
    expect(
      (
        await run(
          "generate",
          "ranker",
          "--rows",
          "1",
          "--out",
          scratch(),
          "--rate",
          "nope=0.1",
          "--calibration-rows",
          "500",
        )
      ).code,
    ).toBe(3);
  });

  it("converts a knowledge graph and reports bad input with exit codes", async () => {
    const input = scratch();
    writeFileSync(join(input, "train.txt"), "a\tr\tb\n");
    writeFileSync(join(input, "valid.txt"), "b\tr\ta\n");
    writeFileSync(join(input, "test.txt"), "a\tr\tc\n");
    const converted = await run("convert", "kg", "--in", input, "--out", scratch(), "--json");
    expect(converted.code).toBe(0);
    expect(JSON.parse(converted.out)).toMatchObject({
      splits: { train: 1, valid: 1, test: 1 },
      statistics: { test_edges_with_unseen_node: 1 },
    });
    writeFileSync(join(input, "test.txt"), "a\tr\n");
    const bad = await run("convert", "kg", "--in", input, "--out", scratch());
    expect(bad.code).toBe(5);
    expect(bad.err).toMatch(/test\.txt:1:/);
    expect((await run("convert", "kg", "--in", join(input, "none"), "--out", scratch())).code).toBe(
      4,
    );
  });

  // The published entry point, as `npx tml-data` runs it (needs a build: `pnpm --filter @tml/data-io build`).
  const bin = fileURLToPath(new URL("../../bin/tml-data.js", import.meta.url));
  const built = existsSync(fileURLToPath(new URL("../../dist/cli/main.js", import.meta.url)));
  it.skipIf(!built)("runs as a process through bin/tml-data.js with exit codes", () => {
    const missing = spawnSync(process.execPath, [bin, "schema", join(scratch(), "none.parquet")], {
      encoding: "utf8",
    });
    expect(missing.status).toBe(4);
    expect(missing.stderr).toMatch(/does not exist/);
  });
});
