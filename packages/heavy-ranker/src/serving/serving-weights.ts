import { ConfigError } from "@tml/core";
import { z } from "zod";

/**
 * The published serving weights of the For You ranking score (the original's
 * `projects/home/recap/README.md`, 2023-04-05): score = Σ weight × calibrated P(engagement). Keys
 * are model task names.
 */
export const PUBLISHED_SERVING_WEIGHTS: Readonly<Record<string, number>> = Object.freeze({
  "recap.engagement.is_favorited": 0.5,
  "recap.engagement.is_retweeted": 1.0,
  "recap.engagement.is_replied": 13.5,
  "recap.engagement.is_profile_clicked_and_profile_engaged": 12.0,
  "recap.engagement.is_video_playback_50": 0.005,
  "recap.engagement.is_replied_reply_engaged_by_author": 75.0,
  "recap.engagement.is_good_clicked_convo_desc_favorited_or_replied": 11.0,
  "recap.engagement.is_good_clicked_convo_desc_v2": 10.0,
  "recap.engagement.is_negative_feedback_v2": -74.0,
  "recap.engagement.is_report_tweet_clicked": -369.0,
});

/** A `serving_weights` config section: task name → finite weight (negative for bad outcomes). */
export const servingWeightsSchema = z
  .record(z.string(), z.number().refine(Number.isFinite, "weights must be finite"))
  .default(() => ({ ...PUBLISHED_SERVING_WEIGHTS }));

/** Validated serving weights. */
export type ServingWeights = z.output<typeof servingWeightsSchema>;

/**
 * The weight of each model task in task order (T values). Tasks without a weight get 0. A weight
 * for a task the model lacks is a ConfigError unless `ignoreUnknown` (used for the published
 * defaults, so a model trained on a few tasks still scores with them).
 */
export function servingWeightVector(
  taskNames: readonly string[],
  weights: Readonly<Record<string, number>>,
  options: { ignoreUnknown?: boolean } = {},
): Float32Array {
  if (!options.ignoreUnknown) {
    const unknown = Object.keys(weights).filter((task) => !taskNames.includes(task));
    if (unknown.length > 0) {
      throw new ConfigError(
        `serving weights name tasks the model does not have: ${unknown.join(", ")} (model tasks: ${taskNames.join(", ")})`,
      );
    }
  }
  return Float32Array.from(taskNames, (task) => weights[task] ?? 0);
}
