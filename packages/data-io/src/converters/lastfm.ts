import { join } from "node:path";
import { Rng } from "@tml/core";
import type { GraphDescriptor } from "../generators/graph-descriptor.js";
import { type EdgeSplit, writeEdgeGraph } from "./edge-graph-writer.js";
import { lineError, readTextLines } from "./text-lines.js";

/** Options of `convertLastfm`. */
export interface LastfmOptions {
  /** Seed of the random edge split (recorded in graph.json). Default 0. */
  seed?: number;
  /** Fraction of each relation's edges held out as test. Default 0.1. */
  testFraction?: number;
}

type Table = "user" | "artist" | "tag";
const RELATIONS: readonly { name: string; lhs: Table; rhs: Table }[] = [
  { name: "friend", lhs: "user", rhs: "user" },
  { name: "listens", lhs: "user", rhs: "artist" },
  { name: "tagged", lhs: "user", rhs: "artist" },
  { name: "has_tag", lhs: "artist", rhs: "tag" },
  { name: "uses_tag", lhs: "user", rhs: "tag" },
];

/**
 * Converts Last.fm HetRec 2011 into a heterogeneous TwHIN graph: tables `user`, `artist`, `tag`
 * (ids in numeric order of the raw ids; artists and tags that only occur in tag assignments are
 * included) and relations `friend` (user→user, as listed, both directions), `listens`
 * (user→artist), and, from the tag assignments as distinct pairs, `tagged` (user→artist),
 * `has_tag` (artist→tag) and `uses_tag` (user→tag). There is no official split: each relation's
 * edges are shuffled with `Rng(seed)` and `testFraction` of them held out as test.
 */
export async function convertLastfm(
  inDir: string,
  outDir: string,
  options: LastfmOptions = {},
): Promise<GraphDescriptor> {
  const seed = options.seed ?? 0;
  const testFraction = options.testFraction ?? 0.1;
  const friends = await readIntTsv(join(inDir, "user_friends.dat"), ["userID", "friendID"]);
  const listens = await readIntTsv(join(inDir, "user_artists.dat"), [
    "userID",
    "artistID",
    "weight",
  ]);
  const tagged = await readIntTsv(join(inDir, "user_taggedartists.dat"), [
    "userID",
    "artistID",
    "tagID",
    "day",
    "month",
    "year",
  ]);
  const artistsFile = await readIntTsv(
    join(inDir, "artists.dat"),
    ["id", "name", "url", "pictureURL"],
    1,
  );
  const tagsFile = await readIntTsv(join(inDir, "tags.dat"), ["tagID", "tagValue"], 1, "latin1");
  const ids: Record<Table, number[]> = {
    user: sortedUnique([friends[0], friends[1], listens[0], tagged[0]]),
    artist: sortedUnique([artistsFile[0], listens[1], tagged[1]]),
    tag: sortedUnique([tagsFile[0], tagged[2]]),
  };
  const index = Object.fromEntries(
    Object.entries(ids).map(([table, list]) => [table, new Map(list.map((raw, i) => [raw, i]))]),
  ) as Record<Table, Map<number, number>>;
  const pairs: [number[], number[]][] = [
    [friends[0] as number[], friends[1] as number[]],
    [listens[0] as number[], listens[1] as number[]],
    distinctPairs(tagged[0] as number[], tagged[1] as number[]),
    distinctPairs(tagged[1] as number[], tagged[2] as number[]),
    distinctPairs(tagged[0] as number[], tagged[2] as number[]),
  ];
  const train: EdgeSplit & { lhs: number[]; rel: number[]; rhs: number[] } = {
    lhs: [],
    rel: [],
    rhs: [],
  };
  const test: typeof train = { lhs: [], rel: [], rhs: [] };
  const rng = new Rng(seed);
  RELATIONS.forEach((relation, r) => {
    const [lhs, rhs] = pairs[r] as [number[], number[]];
    const order = rng
      .fork(relation.name)
      .shuffle(Int32Array.from({ length: lhs.length }, (_, i) => i));
    const held = Math.round(lhs.length * testFraction);
    order.forEach((i, k) => {
      const split = k < held ? test : train;
      split.lhs.push(index[relation.lhs].get(lhs[i] as number) as number);
      split.rel.push(r);
      split.rhs.push(index[relation.rhs].get(rhs[i] as number) as number);
    });
  });
  return writeEdgeGraph(outDir, {
    tables: (["user", "artist", "tag"] as const).map((name) => ({
      name,
      names: ids[name].map(String),
      dictionaryFile: `${name}s.json`,
    })),
    relations: RELATIONS.map((relation) => ({ ...relation })),
    splits: new Map([
      ["train", train],
      ["test", test],
    ]),
    source: {
      converter: "@tml/data-io convertLastfm",
      input: inDir,
      split: { kind: "random per relation", seed, test_fraction: testFraction },
    },
  });
}

/** Reads the first `integerColumns` (default all) columns of a headed TSV as integers. */
async function readIntTsv(
  path: string,
  header: string[],
  integerColumns = header.length,
  encoding: "utf8" | "latin1" = "utf8",
): Promise<number[][]> {
  const columns: number[][] = Array.from({ length: integerColumns }, () => []);
  for await (const { text, number } of readTextLines(path, encoding)) {
    if (number === 1) {
      if (text.trim() !== header.join("\t"))
        throw lineError(
          path,
          1,
          `expected the header "${header.join("\\t")}", got "${text.slice(0, 80)}"`,
        );
      continue;
    }
    if (text.trim() === "") continue;
    const fields = text.split("\t");
    if (fields.length < header.length)
      throw lineError(
        path,
        number,
        `expected ${header.length} tab-separated fields, got ${fields.length}`,
      );
    for (let c = 0; c < integerColumns; c++) {
      const field = (fields[c] as string).trim();
      if (!/^\d+$/.test(field))
        throw lineError(path, number, `${header[c]} "${field}" is not a non-negative integer id`);
      (columns[c] as number[]).push(Number(field));
    }
  }
  return columns;
}

function sortedUnique(lists: (number[] | undefined)[]): number[] {
  const all = new Set<number>();
  for (const list of lists) for (const value of list ?? []) all.add(value);
  return [...all].sort((a, b) => a - b);
}

function distinctPairs(left: number[], right: number[]): [number[], number[]] {
  const seen = new Set<string>();
  const out: [number[], number[]] = [[], []];
  for (let i = 0; i < left.length; i++) {
    const key = `${left[i]},${right[i]}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out[0].push(left[i] as number);
    out[1].push(right[i] as number);
  }
  return out;
}
