import { DataError } from "@tml/core";
import * as arrow from "apache-arrow";
import {
  HOME_RECAP_2022_RENAMES,
  HOME_RECAP_2022_SEGDENSE,
  type SegdenseFeature,
} from "../tfrecord/index.js";
import type { RankerChunk } from "./ranker-chunk.js";

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

// The original config's renamed features (new name → record name), mapped onto chunk fields.
const FIELD_OF_RENAME: Readonly<Record<string, ChunkField>> = {
  discrete: "discrete",
  continuous: "continuous",
  binary: "binary",
  user_eng_embedding: "userEngagementEmbedding",
  author_embedding: "authorEmbedding",
  user_embedding: "userEmbedding",
  meta__author_id: "authorId",
  meta__tweet_id: "tweetId",
  meta__user_id: "userId",
};
const FIELD_OF_FEATURE = new Map(
  Object.entries(HOME_RECAP_2022_RENAMES).map(([rename, feature]) => [
    feature,
    FIELD_OF_RENAME[rename] as ChunkField,
  ]),
);

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
 * The segdense schema of a chunk's columns: HOME_RECAP_2022_SEGDENSE (names and file order) with
 * this chunk's widths, so it equals segdense.json for the full layout.
 */
export function rankerSegdenseSchema(chunk: RankerChunk): SegdenseFeature[] {
  return HOME_RECAP_2022_SEGDENSE.schema.map((entry) => {
    const field = FIELD_OF_FEATURE.get(entry.feature_name);
    return field === undefined ? entry : { ...entry, length: widthOf(chunk, field) };
  });
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
    const field = FIELD_OF_FEATURE.get(entry.feature_name);
    const values = field === undefined ? labelByName.get(entry.feature_name) : chunk[field];
    if (values === undefined) {
      throw new DataError(
        `generator: the chunk has no column for segdense feature "${entry.feature_name}"`,
      );
    }
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
