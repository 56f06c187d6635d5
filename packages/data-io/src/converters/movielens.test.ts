import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { ConfigError, DataError, NotFoundError } from "@tml/core";
import { sharedDataDir } from "@tml/core/testing";
import { describe, expect, it } from "vitest";
import { scratchDirs } from "../generators/__fixtures__/scratch.js";
import { readParquetFile } from "../parquet/index.js";
import { duckdbRows } from "./__fixtures__/duckdb.js";
import { convertMovielens } from "./movielens.js";

const scratch = scratchDirs("tml-ml-");
const data = sharedDataDir();

function writeTiny(dir: string, base: string, test: string): void {
  writeFileSync(join(dir, "u.genre"), "unknown|0\nAction|1\nChildren's|2\n\n");
  writeFileSync(join(dir, "u.occupation"), "artist\nwriter\n");
  writeFileSync(join(dir, "u.user"), "1|24|M|writer|85711\n2|53|F|artist|K1A0B\n");
  writeFileSync(join(dir, "u.item"), "1|A (1995)|01-Jan-1995||url|0|1|0\n2|B|||url|1|0|1\n");
  writeFileSync(join(dir, "ua.base"), base);
  writeFileSync(join(dir, "ua.test"), test);
}

describe("convertMovielens", () => {
  it("derives features with leave-one-out train statistics and documented labels", async () => {
    const input = scratch();
    const output = scratch();
    // User 1 rates item 1 with 5 and item 2 with 1; user 2 rates item 1 with 4 (Sunday 1998-01-04 13:00 UTC).
    writeTiny(
      input,
      "1\t1\t5\t883400000\n1\t2\t1\t883400000\n2\t1\t4\t883918800\n",
      "2\t2\t3\t883918800\n",
    );
    const descriptor = await convertMovielens(input, output);
    expect(descriptor.binary).toEqual([
      "gender_male",
      "item_year_missing",
      "genre_unknown",
      "genre_action",
      "genre_children_s",
      "occupation_artist",
      "occupation_writer",
    ]);
    expect(descriptor.splits.train!.positives).toEqual({ liked: 2, loved: 1, disliked: 1 });
    const train = await readParquetFile(join(output, "train.parquet"));
    const column = (name: string) =>
      Array.from(train.getChild(name)!.toArray() as ArrayLike<number | bigint>);
    // Row 0 (user 1, item 1, rating 5): other train ratings of user 1 = [1], of item 1 = [4].
    expect(column("user_train_ratings")).toEqual([1, 1, 0]);
    expect(column("user_mean_rating")).toEqual([1, 5, 10 / 3].map(Math.fround)); // user 2 has no other rating: global mean
    expect(column("item_mean_rating")).toEqual([4, 10 / 3, 5].map(Math.fround));
    expect(column("item_year")).toEqual([1995, 0, 1995]);
    expect(column("item_year_missing")).toEqual([0n, 1n, 0n]);
    expect(column("genre_children_s")).toEqual([0n, 1n, 0n]);
    expect(column("occupation_writer")).toEqual([1n, 1n, 0n]);
    expect(column("gender_male")).toEqual([1n, 1n, 0n]);
    expect(column("zip_region")).toEqual([8n, 8n, 10n]);
    expect(column("hour_of_day")[2]).toBe(13);
    expect(column("day_of_week")[2]).toBe(0);
    expect(column("days_since_start")[2]).toBeCloseTo((883918800 - 883400000) / 86_400, 5);
    expect(column("liked")).toEqual([1n, 0n, 1n]);
    expect(column("loved")).toEqual([1n, 0n, 0n]);
    expect(column("disliked")).toEqual([0n, 1n, 0n]);
    const test = await readParquetFile(join(output, "test.parquet"));
    // Test rows see all of train: item 2 has one train rating (1), user 2 one (4).
    expect(Array.from(test.getChild("item_mean_rating")!.toArray())).toEqual([1]);
    expect(Array.from(test.getChild("user_train_ratings")!.toArray())).toEqual([1]);
    expect(Array.from(test.getChild("rating")!.toArray())).toEqual([3n]);
  });

  it("rejects unknown ids, bad lines, unknown splits and missing files", async () => {
    const input = scratch();
    writeTiny(input, "1\t1\t5\t1\n3\t1\t4\t1\n", "");
    await expect(convertMovielens(input, scratch())).rejects.toThrow(
      /ua\.base:2: user_id 3 is not in u\.user/,
    );
    writeTiny(input, "1\t1\t5\n", "");
    await expect(convertMovielens(input, scratch())).rejects.toBeInstanceOf(DataError);
    await expect(
      convertMovielens(input, scratch(), { split: "u9" as "u1" }),
    ).rejects.toBeInstanceOf(ConfigError);
    await expect(convertMovielens(input, scratch(), { split: "u1" })).rejects.toBeInstanceOf(
      NotFoundError,
    );
  });

  it.skipIf(!data)("converts the real ua split with the counts of the raw files", async () => {
    const output = scratch();
    const descriptor = await convertMovielens(join(data as string, "movielens-100k"), output);
    // Counts from `awk` over ua.base / ua.test (rating ≥ 4, = 5, ≤ 2).
    expect(descriptor.splits.train).toMatchObject({
      rows: 90_570,
      positives: { liked: 49_906, loved: 19_048, disliked: 15_943 },
    });
    expect(descriptor.splits.test).toMatchObject({
      rows: 9_430,
      positives: { liked: 5_469, loved: 2_153, disliked: 1_537 },
    });
    expect(descriptor.binary).toHaveLength(2 + 19 + 21);
    const [row] = await duckdbRows(
      `SELECT count(*) AS n, max(user_id) AS users, max(item_id) AS items, sum(item_year_missing) AS noyear, min(age) AS young FROM read_parquet('${join(output, "test.parquet")}')`,
    );
    expect(row).toMatchObject({ n: 9_430n, users: 943n });
    expect(Number(row!.young)).toBeGreaterThan(0);
  });
});
