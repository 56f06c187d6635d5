import { DataError } from "@tml/core";
import type { ColumnBatch, RankerChunk } from "@tml/data-io";
import type { FeatureBatch, FeatureColumn } from "./feature-batch.js";

/**
 * A data-io ColumnBatch (Parquet / Arrow / TFRecord rows as typed arrays) as a FeatureBatch;
 * no values are copied. Variable-length list columns are rejected: segdense features are fixed.
 */
export function featureBatchFromColumns(batch: ColumnBatch): FeatureBatch {
  const features = new Map<string, FeatureColumn>();
  for (const [name, column] of Object.entries(batch.columns)) {
    if (column.rowLength < 1) {
      throw new DataError(
        `column "${name}"${batch.source ? ` of ${batch.source.file}` : ""} is a variable-length list; segdense features have a fixed length`,
      );
    }
    features.set(name, { values: column.values, width: column.rowLength });
  }
  return { numRows: batch.numRows, features };
}

/** The segdense name of each RankerChunk field (`config/home_recap_2022/segdense.json`). */
const CHUNK_COLUMNS = {
  continuous: "home_recap_2022_cont__segdense_vals",
  binary: "home_recap_2022_binary__segdense_vals",
  discrete: "home_recap_2022_discrete__segdense_vals",
  userEmbedding: "user.timelines.twhin_user_follow_embeddings.twhin_user_follow_embeddings",
  authorEmbedding:
    "original_author.timelines.twhin_author_follow_embeddings.twhin_author_follow_embeddings",
  userEngagementEmbedding:
    "user.timelines.twhin_user_engagement_embeddings.twhin_user_engagement_embeddings",
  userId: "meta.user_id",
  authorId: "meta.author_id",
  tweetId: "meta.tweet_id",
} as const;

/**
 * A chunk of data-io's Heavy Ranker generator as a FeatureBatch keyed by segdense schema names
 * (labels under their task names), so generated rows go through the same pipeline as files.
 */
export function featureBatchFromRankerChunk(chunk: RankerChunk): FeatureBatch {
  const rows = chunk.rows;
  const features = new Map<string, FeatureColumn>();
  for (const [field, name] of Object.entries(CHUNK_COLUMNS)) {
    const values = chunk[field as keyof typeof CHUNK_COLUMNS];
    features.set(name, { values, width: values.length / rows });
  }
  chunk.taskNames.forEach((task, index) => {
    features.set(task, { values: chunk.labels[index] as BigInt64Array, width: 1 });
  });
  return { numRows: rows, features };
}
