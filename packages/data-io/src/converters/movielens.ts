import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { ConfigError } from "@tml/core";
import * as arrow from "apache-arrow";
import { lowWords } from "../generators/ranker-chunk.js";
import { writeParquetFile } from "../parquet/index.js";
import {
  type MovielensRating,
  type MovielensTables,
  readMovielensRatings,
  readMovielensTables,
} from "./movielens-tables.js";
import { type RankerDatasetDescriptor, writeRankerDescriptor } from "./ranker-descriptor.js";

/** MovieLens-100K splits: `ua`/`ub` (10 test ratings per user) or the 5-fold `u1`…`u5`. */
export type MovielensSplit = "ua" | "ub" | "u1" | "u2" | "u3" | "u4" | "u5";
const SPLITS: readonly MovielensSplit[] = ["ua", "ub", "u1", "u2", "u3", "u4", "u5"];

/** Label rules (rating is 1–5). */
export const MOVIELENS_LABELS: Readonly<Record<string, (rating: number) => boolean>> = {
  liked: (rating) => rating >= 4,
  loved: (rating) => rating === 5,
  disliked: (rating) => rating <= 2,
};

const DENSE = [
  "age",
  "item_year",
  "user_train_ratings",
  "item_train_ratings",
  "user_mean_rating",
  "item_mean_rating",
  "hour_of_day",
  "day_of_week",
  "days_since_start",
];

interface Stats {
  count: Map<number, number>;
  sum: Map<number, number>;
}

/**
 * Converts MovieLens-100K into ranker Parquet (`train.parquet`, `test.parquet` from
 * `<split>.base` / `<split>.test`, default `ua`): dense features (age, release year, the user's and
 * item's train rating counts and mean ratings, hour/day of the rating in UTC, days since the first
 * rating of the data set), binary flags (gender, missing year, 19 genres, 21 occupations one-hot),
 * ids (user_id, item_id, occupation, zip_region = first zip digit or 10) and 0/1 labels `liked`
 * (rating ≥ 4), `loved` (= 5), `disliked` (≤ 2), plus the raw `rating`. Train-split statistics are
 * leave-one-out on train rows (the row's own rating never feeds its features); test rows use all of
 * train. Writes `ranker.json`.
 */
export async function convertMovielens(
  inDir: string,
  outDir: string,
  options: { split?: MovielensSplit } = {},
): Promise<RankerDatasetDescriptor> {
  const split = options.split ?? "ua";
  if (!SPLITS.includes(split))
    throw new ConfigError(
      `convert movielens: unknown split "${split}"; use one of ${SPLITS.join(", ")}`,
    );
  const tables = await readMovielensTables(inDir);
  const train = await readMovielensRatings(join(inDir, `${split}.base`), tables);
  const test = await readMovielensRatings(join(inDir, `${split}.test`), tables);
  const users = collect(train, (rating) => rating.user);
  const items = collect(train, (rating) => rating.item);
  const globalMean =
    train.reduce((sum, rating) => sum + rating.rating, 0) / Math.max(1, train.length);
  let start = Number.POSITIVE_INFINITY;
  for (const rating of [...train, ...test]) start = Math.min(start, rating.timestamp);
  const binary = [
    "gender_male",
    "item_year_missing",
    ...tables.genres.map((name) => `genre_${slug(name)}`),
    ...tables.occupations.map((name) => `occupation_${slug(name)}`),
  ];
  mkdirSync(outDir, { recursive: true });
  const splits: RankerDatasetDescriptor["splits"] = {};
  for (const [name, ratings, leaveOneOut] of [
    ["train", train, true],
    ["test", test, false],
  ] as const) {
    const table = buildTable(ratings, tables, {
      users,
      items,
      globalMean,
      start,
      leaveOneOut,
      binary,
    });
    const path = `${name}.parquet`;
    await writeParquetFile(join(outDir, path), table, { compression: "zstd" });
    const positives = Object.fromEntries(
      Object.entries(MOVIELENS_LABELS).map(([label, rule]) => [
        label,
        ratings.filter((r) => rule(r.rating)).length,
      ]),
    );
    splits[name] = { rows: ratings.length, files: [{ path, rows: ratings.length }], positives };
  }
  const descriptor: RankerDatasetDescriptor = {
    format: "tml-ranker/1",
    source: {
      converter: "@tml/data-io convertMovielens",
      input: inDir,
      split: `${split}.base → train, ${split}.test → test`,
      labels: { liked: "rating >= 4", loved: "rating == 5", disliked: "rating <= 2" },
      statistics:
        "user/item counts and means from the train split, leave-one-out on train rows; global train mean when none",
    },
    splits,
    labels: Object.keys(MOVIELENS_LABELS),
    dense: DENSE,
    binary,
    ids: [
      { name: "user_id", vocab_size: Math.max(...tables.users.keys()) + 1 },
      { name: "item_id", vocab_size: Math.max(...tables.items.keys()) + 1 },
      { name: "occupation", vocab_size: tables.occupations.length },
      { name: "zip_region", vocab_size: 11 },
    ],
    extra: ["rating"],
  };
  writeRankerDescriptor(outDir, descriptor);
  return descriptor;
}

interface BuildContext {
  users: Stats;
  items: Stats;
  globalMean: number;
  start: number;
  leaveOneOut: boolean;
  binary: string[];
}

function buildTable(
  ratings: MovielensRating[],
  tables: MovielensTables,
  context: BuildContext,
): arrow.Table {
  const rows = ratings.length;
  const dense = DENSE.map(() => new Float32Array(rows));
  const binary = context.binary.map(() => new BigInt64Array(rows));
  const ids = {
    user_id: new BigInt64Array(rows),
    item_id: new BigInt64Array(rows),
    occupation: new BigInt64Array(rows),
    zip_region: new BigInt64Array(rows),
  };
  const labels = Object.keys(MOVIELENS_LABELS).map(() => new BigInt64Array(rows));
  const rules = Object.values(MOVIELENS_LABELS);
  const rating = new BigInt64Array(rows);
  const genreCount = tables.genres.length;
  ratings.forEach((r, row) => {
    const user = tables.users.get(r.user) as NonNullable<ReturnType<typeof tables.users.get>>;
    const item = tables.items.get(r.item) as NonNullable<ReturnType<typeof tables.items.get>>;
    const own = context.leaveOneOut ? r.rating : 0;
    const [userCount, userMean] = summary(context.users, r.user, own, context.globalMean);
    const [itemCount, itemMean] = summary(context.items, r.item, own, context.globalMean);
    const date = new Date(r.timestamp * 1000);
    const values = [
      user.age,
      item.year ?? 0,
      userCount,
      itemCount,
      userMean,
      itemMean,
      date.getUTCHours(),
      date.getUTCDay(),
      (r.timestamp - context.start) / 86_400,
    ];
    values.forEach((value, d) => {
      (dense[d] as Float32Array)[row] = value;
    });
    const set = (column: number) => {
      lowWords(binary[column] as BigInt64Array)[2 * row] = 1;
    };
    if (user.male) set(0);
    if (item.year === undefined) set(1);
    for (let g = 0; g < genreCount; g++) if (item.genres[g] === 1) set(2 + g);
    set(2 + genreCount + user.occupation);
    ids.user_id[row] = BigInt(r.user);
    ids.item_id[row] = BigInt(r.item);
    ids.occupation[row] = BigInt(user.occupation);
    const zipDigit = user.zip.charCodeAt(0) - 48;
    ids.zip_region[row] = BigInt(zipDigit >= 0 && zipDigit <= 9 ? zipDigit : 10);
    rules.forEach((rule, l) => {
      (labels[l] as BigInt64Array)[row] = rule(r.rating) ? 1n : 0n;
    });
    rating[row] = BigInt(r.rating);
  });
  const columns: Record<string, arrow.Vector> = {};
  DENSE.forEach((name, d) => {
    columns[name] = arrow.makeVector(dense[d] as Float32Array);
  });
  context.binary.forEach((name, b) => {
    columns[name] = arrow.makeVector(binary[b] as BigInt64Array);
  });
  for (const [name, values] of Object.entries(ids)) columns[name] = arrow.makeVector(values);
  Object.keys(MOVIELENS_LABELS).forEach((name, l) => {
    columns[name] = arrow.makeVector(labels[l] as BigInt64Array);
  });
  columns.rating = arrow.makeVector(rating);
  return new arrow.Table(columns);
}

/** [count, mean] of the other train ratings of `key` (excluding `own` when it is non-zero). */
function summary(stats: Stats, key: number, own: number, fallback: number): [number, number] {
  const count = (stats.count.get(key) ?? 0) - (own > 0 ? 1 : 0);
  const sum = (stats.sum.get(key) ?? 0) - own;
  return [count, count > 0 ? sum / count : fallback];
}

function collect(ratings: MovielensRating[], key: (rating: MovielensRating) => number): Stats {
  const stats: Stats = { count: new Map(), sum: new Map() };
  for (const rating of ratings) {
    const k = key(rating);
    stats.count.set(k, (stats.count.get(k) ?? 0) + 1);
    stats.sum.set(k, (stats.sum.get(k) ?? 0) + rating.rating);
  }
  return stats;
}

function slug(name: string): string {
  return name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "_")
    .replace(/^_|_$/g, "");
}
