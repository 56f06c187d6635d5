import { readFileSync } from "node:fs";
import { ConfigError, NotFoundError, parseConfig } from "@tml/core";
import { z } from "zod";

/**
 * One segdense entry: a named feature of `tf.train.Example` records, `length` values per record.
 * Our extension: `columns` lists scalar input columns (e.g. of converted Parquet) that a reader
 * assembles into this vector, in order, when the batch has no column of the feature's own name;
 * `length` then equals the number of columns (0 allowed: an empty group).
 */
export const segdenseFeatureSchema = z
  .strictObject({
    feature_name: z.string().min(1),
    dtype: z.enum(["int64_list", "float_list", "bytes_list"]),
    /** Values per record (≥ 1), or -1 for a variable-length feature; `columns.length` with columns. */
    length: z.number().int(),
    /** Scalar input columns assembled into this vector, in order. */
    columns: z.array(z.string().min(1)).optional(),
  })
  .superRefine((entry, context) => {
    if (entry.columns !== undefined) {
      if (entry.length !== entry.columns.length) {
        context.addIssue({
          code: "custom",
          path: ["length"],
          message: `length ${entry.length} differs from the ${entry.columns.length} columns it assembles`,
        });
      }
    } else if (entry.length !== -1 && entry.length < 1) {
      context.addIssue({
        code: "custom",
        path: ["length"],
        message: "length must be ≥ 1, or -1 for variable",
      });
    }
  });

/**
 * zod schema of a segdense JSON file, the format of the original's
 * `projects/home/recap/config/home_recap_2022/segdense.json`:
 * `{"schema": [{feature_name, dtype, length}, …]}`, feature names unique.
 */
export const segdenseSchemaSchema = z
  .strictObject({ schema: z.array(segdenseFeatureSchema).min(1) })
  .superRefine((value, context) => {
    const seen = new Set<string>();
    value.schema.forEach((entry, index) => {
      if (seen.has(entry.feature_name)) {
        context.addIssue({
          code: "custom",
          path: ["schema", index, "feature_name"],
          message: `"${entry.feature_name}" is listed twice`,
        });
      }
      seen.add(entry.feature_name);
    });
  });

/** One entry of a segdense schema. */
export type SegdenseFeature = z.infer<typeof segdenseFeatureSchema>;

/** A segdense schema: the features of the Heavy Ranker's TFRecord data, in file order. */
export type SegdenseSchema = z.infer<typeof segdenseSchemaSchema>;

const label = (name: string): SegdenseFeature => ({
  feature_name: `recap.engagement.${name}`,
  dtype: "int64_list",
  length: 1,
});
const id = (name: string): SegdenseFeature => ({
  feature_name: name,
  dtype: "int64_list",
  length: 1,
});
const embedding = (name: string): SegdenseFeature => ({
  feature_name: name,
  dtype: "float_list",
  length: 200,
});

/**
 * The original's `projects/home/recap/config/home_recap_2022/segdense.json` (22 entries, file
 * order): 320 discrete int64, 6000 continuous floats, 512 binary int64 flags, 13 engagement
 * labels, 3 ids and three 200-float TwHIN embeddings per example.
 */
export const HOME_RECAP_2022_SEGDENSE: SegdenseSchema = {
  schema: [
    { feature_name: "home_recap_2022_discrete__segdense_vals", dtype: "int64_list", length: 320 },
    { feature_name: "home_recap_2022_cont__segdense_vals", dtype: "float_list", length: 6000 },
    { feature_name: "home_recap_2022_binary__segdense_vals", dtype: "int64_list", length: 512 },
    label("is_tweet_detail_dwelled_15_sec"),
    label("is_profile_clicked_and_profile_engaged"),
    label("is_replied_reply_engaged_by_author"),
    label("is_video_playback_50"),
    label("is_report_tweet_clicked"),
    label("is_replied"),
    id("meta.author_id"),
    label("is_negative_feedback_v2"),
    label("is_retweeted"),
    label("is_favorited"),
    label("is_good_clicked_convo_desc_favorited_or_replied"),
    id("meta.tweet_id"),
    label("is_good_clicked_convo_desc_v2"),
    id("meta.user_id"),
    label("is_bookmarked"),
    label("is_shared"),
    embedding("user.timelines.twhin_user_engagement_embeddings.twhin_user_engagement_embeddings"),
    embedding(
      "original_author.timelines.twhin_author_follow_embeddings.twhin_author_follow_embeddings",
    ),
    embedding("user.timelines.twhin_user_follow_embeddings.twhin_user_follow_embeddings"),
  ],
};

/**
 * The original config's `renamed_features` for this schema (new name → feature name in the
 * records): the three segdense vectors, the three embeddings and the three ids.
 */
export const HOME_RECAP_2022_RENAMES: Readonly<Record<string, string>> = {
  discrete: "home_recap_2022_discrete__segdense_vals",
  continuous: "home_recap_2022_cont__segdense_vals",
  binary: "home_recap_2022_binary__segdense_vals",
  user_eng_embedding:
    "user.timelines.twhin_user_engagement_embeddings.twhin_user_engagement_embeddings",
  author_embedding:
    "original_author.timelines.twhin_author_follow_embeddings.twhin_author_follow_embeddings",
  user_embedding: "user.timelines.twhin_user_follow_embeddings.twhin_user_follow_embeddings",
  meta__author_id: "meta.author_id",
  meta__tweet_id: "meta.tweet_id",
  meta__user_id: "meta.user_id",
};

/**
 * Reads and validates a segdense JSON file (NotFoundError if missing, ConfigError naming the key
 * path if invalid). Synchronous: featurizers read it once while they are built.
 */
export function loadSegdenseSchema(path: string): SegdenseSchema {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (cause) {
    throw new NotFoundError(
      `Segdense schema ${path} cannot be read; check the path (in a Heavy Ranker config: seg_dense_schema.schema_path).`,
      {
        cause,
        details: { file: path },
      },
    );
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    throw new ConfigError(
      `Segdense schema ${path} is not valid JSON: ${(cause as Error).message}`,
      {
        cause,
        details: { file: path },
      },
    );
  }
  return parseConfig(segdenseSchemaSchema, value, `segdense schema ${path}`);
}
