import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { DataError } from "@tml/core";
import { sharedDataDir } from "@tml/core/testing";
import { describe, expect, it } from "vitest";
import { scratchDirs } from "../generators/__fixtures__/scratch.js";
import { readParquetFile } from "../parquet/index.js";
import { convertLastfm } from "./lastfm.js";

const scratch = scratchDirs("tml-lastfm-");
const data = sharedDataDir();

function writeTiny(dir: string, taggedRows: string): void {
  writeFileSync(join(dir, "user_friends.dat"), "userID\tfriendID\n2\t5\n5\t2\n");
  writeFileSync(join(dir, "user_artists.dat"), "userID\tartistID\tweight\n2\t51\t100\n5\t52\t7\n");
  writeFileSync(
    join(dir, "user_taggedartists.dat"),
    `userID\tartistID\ttagID\tday\tmonth\tyear\n${taggedRows}`,
  );
  writeFileSync(join(dir, "artists.dat"), "id\tname\turl\tpictureURL\n51\tA\tu\tp\n52\tB\tu\tp\n");
  writeFileSync(join(dir, "tags.dat"), "tagID\ttagValue\n1\tmetal\n");
}

describe("convertLastfm", () => {
  it("builds user/artist/tag tables and five relations from the raw files", async () => {
    const input = scratch();
    const output = scratch();
    // Artist 60 and tag 9 only occur in tag assignments; (2, 51) is tagged twice.
    writeTiny(input, "2\t51\t1\t1\t1\t2009\n2\t51\t9\t1\t1\t2009\n5\t60\t1\t1\t1\t2010\n");
    const descriptor = await convertLastfm(input, output, { testFraction: 0 });
    expect(descriptor.tables).toEqual([
      { name: "user", num_embeddings: 2, dictionary_file: "users.json" },
      { name: "artist", num_embeddings: 3, dictionary_file: "artists.json" },
      { name: "tag", num_embeddings: 2, dictionary_file: "tags.json" },
    ]);
    expect(
      descriptor.relations.map((r) => `${r.name}:${r.lhs}->${r.rhs}:${r.edges.train}`),
    ).toEqual([
      "friend:user->user:2",
      "listens:user->artist:2",
      "tagged:user->artist:2",
      "has_tag:artist->tag:3",
      "uses_tag:user->tag:3",
    ]);
    const train = await readParquetFile(join(output, "edges/train/part-00000.parquet"));
    const rel = Array.from(train.getChild("rel")!.toArray());
    const rhs = Array.from(train.getChild("rhs")!.toArray());
    // has_tag edges point at tag rows: tag 1 → 0, tag 9 → 1.
    expect(rhs.filter((_, i) => rel[i] === 3n).sort()).toEqual([0n, 0n, 1n]);
  });

  it("holds out a seeded fraction per relation and rejects bad ids", async () => {
    const input = scratch();
    writeTiny(input, "2\t51\t1\t1\t1\t2009\n");
    const a = await convertLastfm(input, scratch(), { testFraction: 0.5, seed: 3 });
    expect(a.relations[0]!.edges).toEqual({ train: 1, test: 1 });
    writeTiny(input, "2\tx\t1\t1\t1\t2009\n");
    const bad = convertLastfm(input, scratch());
    await expect(bad).rejects.toBeInstanceOf(DataError);
    await expect(bad).rejects.toThrow(/user_taggedartists\.dat:2: artistID "x"/);
  });

  it.skipIf(!data)("converts the real files with the counts of the raw data", async () => {
    const descriptor = await convertLastfm(join(data as string, "lastfm-hetrec2011"), scratch());
    expect(descriptor.tables.map((t) => t.num_embeddings)).toEqual([1_892, 18_022, 11_946]);
    const totals = descriptor.relations.map((r) => (r.edges.train ?? 0) + (r.edges.test ?? 0));
    // Distinct pairs counted with sort -u on the raw files.
    expect(totals).toEqual([25_434, 92_834, 71_064, 109_750, 35_816]);
    expect(descriptor.relations[1]!.edges.test).toBe(Math.round(92_834 * 0.1));
  });
});
