/** One Heavy Ranker engagement label with the generator's default planted behaviour. */
export interface RecapTaskDefault {
  /** Label name as in segdense.json (`recap.engagement.*`). */
  name: string;
  /** Target fraction of positive rows, in (0, 1). */
  rate: number;
  /**
   * Weight of the shared "engagement propensity" score and of the user–author affinity in this
   * task's logit: positive engagements follow them, negative feedback and reports go against them.
   */
  direction: 1 | -1;
}

/**
 * The 13 labels of the Heavy Ranker data
 * (`projects/home/recap/config/home_recap_2022/segdense.json`) in segdense file order, with default
 * positive rates chosen to look like a home timeline: likes and dwells are common, replies the
 * author engages with and reports are rare. The rates are the generator's assumption, not published
 * Twitter figures.
 */
export const RECAP_TASK_DEFAULTS: readonly RecapTaskDefault[] = [
  { name: "recap.engagement.is_tweet_detail_dwelled_15_sec", rate: 0.03, direction: 1 },
  { name: "recap.engagement.is_profile_clicked_and_profile_engaged", rate: 0.002, direction: 1 },
  { name: "recap.engagement.is_replied_reply_engaged_by_author", rate: 0.0005, direction: 1 },
  { name: "recap.engagement.is_video_playback_50", rate: 0.02, direction: 1 },
  { name: "recap.engagement.is_report_tweet_clicked", rate: 0.0002, direction: -1 },
  { name: "recap.engagement.is_replied", rate: 0.003, direction: 1 },
  { name: "recap.engagement.is_negative_feedback_v2", rate: 0.002, direction: -1 },
  { name: "recap.engagement.is_retweeted", rate: 0.005, direction: 1 },
  { name: "recap.engagement.is_favorited", rate: 0.04, direction: 1 },
  {
    name: "recap.engagement.is_good_clicked_convo_desc_favorited_or_replied",
    rate: 0.006,
    direction: 1,
  },
  { name: "recap.engagement.is_good_clicked_convo_desc_v2", rate: 0.01, direction: 1 },
  { name: "recap.engagement.is_bookmarked", rate: 0.002, direction: 1 },
  { name: "recap.engagement.is_shared", rate: 0.001, direction: 1 },
];
