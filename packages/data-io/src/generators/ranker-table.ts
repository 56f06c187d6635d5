import * as arrow from "apache-arrow";
import type { RankerChunk } from "./ranker-chunk.js";

/** One entry of a segdense schema JSON (`{"schema": [...]}`, ORIGINAL.md §3.2.1). */
export interface SegdenseEntry {
  feature_name: string;
  dtype: "int64_list" | "float_list";
  length: number;
}

type ChunkField =
  | "continuous"
  | "binary"
  | "discrete"
  | "userEmbedding"
  | "authorEmbedding"
  | "userEngagementEmbedding"
  | "userId"
  | "authorId"
  | "tweetId";

// Segdense file order; labels sit between the vectors and the ids as in home_recap_2022.
const FEATURES: readonly (readonly [string, ChunkField] | "labels")[] = [
  ["home_recap_2022_discrete__segdense_vals", "discrete"],
  ["home_recap_2022_cont__segdense_vals", "continuous"],
  ["home_recap_2022_binary__segdense_vals", "binary"],
  "labels",
  ["meta.author_id", "authorId"],
  ["meta.tweet_id", "tweetId"],
  ["meta.user_id", "userId"],
  [
    "user.timelines.twhin_user_engagement_embeddings.twhin_user_engagement_embeddings",
    "userEngagementEmbedding",
  ],
  [
    "original_author.timelines.twhin_author_follow_embeddings.twhin_author_follow_embeddings",
    "authorEmbedding",
  ],
  ["user.timelines.twhin_user_follow_embeddings.twhin_user_follow_embeddings", "userEmbedding"],
];

function widthOf(chunk: RankerChunk, field: ChunkField): number {
  switch (field) {
    case "continuous":
    case "binary":
    case "discrete":
      return chunk.layout[field];
    case "userId":
    case "authorId":
    case "tweetId":
      return 1;
    default:
      return chunk.layout.embedding;
  }
}

/**
 * The segdense schema of a chunk's columns: the home_recap_2022 feature names in file order with
 * this chunk's widths (identical to segdense.json for the full layout; labels in task order).
 */
export function rankerSegdenseSchema(chunk: RankerChunk): SegdenseEntry[] {
  const entries: SegdenseEntry[] = [];
  for (const feature of FEATURES) {
    if (feature === "labels") {
      for (const name of chunk.taskNames)
        entries.push({ feature_name: name, dtype: "int64_list", length: 1 });
      continue;
    }
    const [name, field] = feature;
    const dtype = chunk[field] instanceof Float32Array ? "float_list" : "int64_list";
    entries.push({ feature_name: name, dtype, length: widthOf(chunk, field) });
  }
  return entries;
}

/**
 * A chunk as an Arrow table with one column per segdense feature, named as in segdense.json:
 * vectors are FixedSizeList<Float32 | Int64>, length-1 features (ids, labels) plain Int64.
 */
export function rankerChunkToTable(chunk: RankerChunk): arrow.Table {
  const columns: Record<string, arrow.Vector> = {};
  const labelByName = new Map(
    chunk.taskNames.map((name, t) => [name, chunk.labels[t] as BigInt64Array]),
  );
  for (const entry of rankerSegdenseSchema(chunk)) {
    const label = labelByName.get(entry.feature_name);
    const feature = FEATURES.find((f) => f !== "labels" && f[0] === entry.feature_name);
    const values = label ?? chunk[(feature as readonly [string, ChunkField])[1]];
    columns[entry.feature_name] =
      entry.length === 1
        ? arrow.makeVector(values)
        : fixedSizeList(values, entry.length, chunk.rows);
  }
  return new arrow.Table(columns);
}

function fixedSizeList(
  values: Float32Array | BigInt64Array,
  width: number,
  rows: number,
): arrow.Vector {
  if (values instanceof Float32Array) {
    const child = arrow.makeData({
      type: new arrow.Float32(),
      length: values.length,
      data: values,
    });
    const type = new arrow.FixedSizeList(
      width,
      new arrow.Field("item", new arrow.Float32(), false),
    );
    return arrow.makeVector(arrow.makeData({ type, length: rows, nullCount: 0, child }));
  }
  const child = arrow.makeData({ type: new arrow.Int64(), length: values.length, data: values });
  const type = new arrow.FixedSizeList(width, new arrow.Field("item", new arrow.Int64(), false));
  return arrow.makeVector(arrow.makeData({ type, length: rows, nullCount: 0, child }));
}
