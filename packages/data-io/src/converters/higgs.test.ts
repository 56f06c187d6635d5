import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { sharedDataDir } from "@tml/core/testing";
import { describe, expect, it } from "vitest";
import { scratchDirs } from "../generators/__fixtures__/scratch.js";
import { readParquetFile } from "../parquet/index.js";
import { convertHiggs } from "./higgs.js";

const scratch = scratchDirs("tml-higgs-");
const data = sharedDataDir();

describe("convertHiggs", () => {
  it("splits events by time into retweet/mention/reply edges between users", async () => {
    const input = scratch();
    const output = scratch();
    const lines = ["30 10 100 RT", "10 20 150 MT", "20 30 300 RE", "99 10 400 RT"];
    writeFileSync(join(input, "higgs-activity_time.txt.gz"), gzipSync(`${lines.join("\n")}\n`));
    const descriptor = await convertHiggs(input, output, { splitTime: 200 });
    expect(descriptor.relations.map((r) => [r.name, r.edges])).toEqual([
      ["retweet", { train: 1, test: 1 }],
      ["mention", { train: 1 }],
      ["reply", { test: 1 }],
    ]);
    expect(descriptor.statistics).toMatchObject({
      users: 4,
      test_edges_with_unseen_node: 1,
      test_unseen_nodes: 1,
    });
    const test = await readParquetFile(join(output, "edges/test/part-00000.parquet"));
    // users sorted numerically: 10→0, 20→1, 30→2, 99→3
    expect(Array.from(test.getChild("lhs")!.toArray())).toEqual([1n, 3n]);
    expect(Array.from(test.getChild("rel")!.toArray())).toEqual([2n, 0n]);
    expect(Array.from(test.getChild("rhs")!.toArray())).toEqual([2n, 0n]);
    writeFileSync(join(input, "higgs-activity_time.txt.gz"), gzipSync("1 2 3 LIKE\n"));
    await expect(convertHiggs(input, scratch())).rejects.toThrow(/:1: unknown interaction "LIKE"/);
  });

  it.skipIf(!data)("converts the real activity log with the SOURCE.md counts", async () => {
    const descriptor = await convertHiggs(join(data as string, "higgs-twitter"), scratch());
    expect(descriptor.statistics).toMatchObject({ users: 304_691, events: 563_069 });
    const total = (name: string) =>
      Object.values(descriptor.relations.find((r) => r.name === name)!.edges).reduce(
        (a, b) => a + b,
        0,
      );
    expect([total("retweet"), total("mention"), total("reply")]).toEqual([
      354_930, 171_237, 36_902,
    ]);
    // Counted with awk on the raw file: 508,776 events before 2012-07-06 UTC, 54,293 after.
    expect([descriptor.splits.train!.rows, descriptor.splits.test!.rows]).toEqual([
      508_776, 54_293,
    ]);
  });
});
