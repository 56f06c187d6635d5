import { readFileSync } from "node:fs";
import { loadConfigText, NotFoundError } from "@tml/core";
import { RECAP_TASK_DEFAULTS, twitterGraphSpec } from "@tml/data-io";
import { recapConfigSchema } from "@tml/heavy-ranker";
import { checkConfigAgainstGraph, twhinConfigSchema } from "@tml/twhin";
import { z } from "zod";

/**
 * The main job's embedded default: sizes chosen so the whole pipeline finishes in about two
 * minutes on one CPU core. `${RUN_DIR}` is the run directory; `${USERS}`/`${TWEETS}` follow the
 * `data` sizes (so `--set data.users=…` resizes the TwHIN tables too).
 */
export const MAIN_JOB_YAML = `# tml-ts main job: graph -> TwHIN -> embeddings -> Heavy Ranker -> evaluation -> ranking -> report
seed: 0
data:
  users: 2000            # graph users = ranker users and authors (TwHIN user table rows)
  tweets: 1000
  edges: 60000           # training edges (follow 30%, fav 40%, retweet 15%, reply 10%, magic_recs 5%)
  communities: 8         # planted communities the embeddings should recover
  ranker_rows: 12000     # Heavy Ranker training rows, labels from a hidden model of the features and TwHIN embeddings
  validation_rows: 4000
  timeline_candidates: 50
  rates:                 # positive rates of the generated labels
    recap.engagement.is_favorited: 0.2
    recap.engagement.is_replied: 0.06
    recap.engagement.is_retweeted: 0.08
    recap.engagement.is_good_clicked_convo_desc_v2: 0.1
    recap.engagement.is_negative_feedback_v2: 0.05
twhin:
  training:
    num_train_steps: 600
    checkpoint_every_n: 200
    train_log_every_n: 20
    eval_every_n: 150     # filtered link prediction on the held-out edges during training
  model:
    embeddings:
      tables:
        - &table
          name: user
          num_embeddings: \${USERS}
          embedding_dim: 32
          data_type: fp32
          optimizer: { adagrad: { lr: 0.1 } }
        - <<: *table
          name: tweet
          num_embeddings: \${TWEETS}
    relations:
      - { name: follow, lhs: user, rhs: user, operator: translation }
      - { name: fav, lhs: user, rhs: tweet, operator: translation }
      - { name: reply, lhs: user, rhs: tweet, operator: translation }
      - { name: retweet, lhs: user, rhs: tweet, operator: translation }
      - { name: magic_recs, lhs: user, rhs: tweet, operator: translation }
    translation_optimizer: { adagrad: { lr: 0.1 } }
    comparator: dot
    loss: { type: softmax }
  train_data:
    data_root: \${RUN_DIR}/data/graph/edges/train
    per_replica_batch_size: 500
    global_negatives: 100
    in_batch_negatives: 0
    limit: 100000000
  validation_data:
    data_root: \${RUN_DIR}/data/graph/edges/test
    per_replica_batch_size: 500
    global_negatives: 0
    in_batch_negatives: 0
    limit: 100000000
heavy_ranker:
  training:
    num_train_steps: 400
    num_eval_steps: -1
    checkpoint_every_n: 100
    train_log_every_n: 20
    eval_log_every_n: 20
    save_dir: \${RUN_DIR}/heavy-ranker/checkpoints
  model:
    multi_task_type: share_all
    backbone:
      mask_net_config:
        use_parallel: true
        mask_blocks:
          - &mask_block { aggregation_size: 32, output_size: 32, input_layer_norm: false }
          - *mask_block
        mlp: { layer_sizes: [64], final_layer_activation: true }
    featurization_config:
      double_norm_log_config:
        batch_norm_config: { affine: true, momentum: 0.01 }
        clip_magnitude: 5.0
        layer_norm_config: { axis: -1, center: true, scale: true, epsilon: 0.0 }
    tasks:
      recap.engagement.is_favorited: &tower
        mlp_config: { layer_sizes: [32, 1], batch_norm: { affine: false, momentum: 0.1 } }
      recap.engagement.is_replied: *tower
      recap.engagement.is_retweeted: *tower
      recap.engagement.is_good_clicked_convo_desc_v2: *tower
      recap.engagement.is_negative_feedback_v2: *tower
  train_data: &train_data
    global_batch_size: 128
    inputs: \${RUN_DIR}/data/ranker/train/*.parquet
    seg_dense_schema:
      schema_path: \${RUN_DIR}/data/ranker/train/segdense.json
      renamed_features:
        continuous: home_recap_2022_cont__segdense_vals
        binary: home_recap_2022_binary__segdense_vals
        discrete: home_recap_2022_discrete__segdense_vals
        author_embedding: original_author.timelines.twhin_author_follow_embeddings.twhin_author_follow_embeddings
        user_embedding: user.timelines.twhin_user_follow_embeddings.twhin_user_follow_embeddings
        user_eng_embedding: user.timelines.twhin_user_engagement_embeddings.twhin_user_engagement_embeddings
    tasks:
      recap.engagement.is_favorited: {}
      recap.engagement.is_replied: {}
      recap.engagement.is_retweeted: {}
      recap.engagement.is_good_clicked_convo_desc_v2: {}
      recap.engagement.is_negative_feedback_v2: {}
  validation_data:
    validation:
      <<: *train_data
      global_batch_size: 1000
      inputs: \${RUN_DIR}/data/ranker/validation/*.parquet
  optimizer:
    adam: { beta_1: 0.9, beta_2: 0.999, epsilon: 1.0e-07 }
    multi_task_learning_rates:
      backbone_learning_rate: { linear_ramp_to_constant: { learning_rate: 0.002, num_ramp_steps: 20 } }
      tower_learning_rates:
        recap.engagement.is_favorited: &tower_lr { linear_ramp_to_constant: { learning_rate: 0.003, num_ramp_steps: 20 } }
        recap.engagement.is_replied: *tower_lr
        recap.engagement.is_retweeted: *tower_lr
        recap.engagement.is_good_clicked_convo_desc_v2: *tower_lr
        recap.engagement.is_negative_feedback_v2: *tower_lr
`;

const count = z.number().int().positive();

/** Sizes of the generated data. */
export const mainJobDataSchema = z.strictObject({
  users: count,
  tweets: count,
  edges: count,
  communities: count,
  ranker_rows: count,
  validation_rows: count,
  timeline_candidates: count,
  rates: z.record(z.string(), z.number().gt(0).lt(1)).default({}),
});

/** Labels the ranker data generator writes (`recap.engagement.*`). */
const GENERATED_LABELS = new Set(RECAP_TASK_DEFAULTS.map((task) => task.name));

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

/**
 * The main job's config: seed, data sizes, a TwHIN config (@tml/twhin's schema; the seed is the
 * job's) and a Heavy Ranker config (recap schema). Every rule that spans stages is a refinement
 * here, so the whole job is validated before anything is written.
 */
export const mainJobConfigSchema = z
  .strictObject({
    seed: z.number().int().nonnegative().default(0),
    data: mainJobDataSchema,
    twhin: z.preprocess((raw, context) => {
      if (typeof raw === "object" && raw !== null && Object.hasOwn(raw, "seed")) {
        context.addIssue({
          code: "custom",
          path: ["seed"],
          message: "the main job seeds TwHIN with its own top-level seed; remove twhin.seed",
          input: raw,
        });
      }
      return raw;
    }, twhinConfigSchema),
    heavy_ranker: recapConfigSchema,
  })
  .superRefine((config, context) => {
    const { data } = config;
    if (data.timeline_candidates > data.validation_rows) {
      context.addIssue({
        code: "custom",
        path: ["data", "timeline_candidates"],
        message: `${data.timeline_candidates} is more than data.validation_rows (${data.validation_rows}); the timeline is drawn from the validation rows`,
      });
    }
    if (gcd(data.ranker_rows, data.validation_rows) < 100) {
      context.addIssue({
        code: "custom",
        path: ["data", "validation_rows"],
        message: `data.ranker_rows (${data.ranker_rows}) and data.validation_rows (${data.validation_rows}) must share a divisor ≥ 100 (the split is by files); use multiples of 1000`,
      });
    }
    for (const label of Object.keys(data.rates)) {
      if (!GENERATED_LABELS.has(label)) {
        context.addIssue({
          code: "custom",
          path: ["data", "rates", label],
          message: `unknown label; the generator writes ${[...GENERATED_LABELS].join(", ")}`,
        });
      }
    }
    const datasets = [
      ["train_data", config.heavy_ranker.train_data],
      ...Object.entries(config.heavy_ranker.validation_data).map(
        ([name, dataset]) => [`validation_data.${name}`, dataset] as const,
      ),
    ] as const;
    for (const [key, dataset] of datasets) {
      for (const label of Object.keys(dataset.tasks)) {
        if (!GENERATED_LABELS.has(label)) {
          context.addIssue({
            code: "custom",
            path: ["heavy_ranker", ...key.split("."), "tasks", label],
            message: `no such label in the generated ranker data; it has ${[...GENERATED_LABELS].join(", ")}`,
          });
        }
      }
    }
  });

/** A validated main-job config. */
export type MainJobConfig = z.output<typeof mainJobConfigSchema>;

function dataSizes(text: string, overrides: readonly string[]): Record<string, string> {
  // The sizes are read first (defaults, then --set data.*) so the tables can follow them.
  const loose = loadConfigText(z.looseObject({ data: mainJobDataSchema.partial().loose() }), text, {
    env: { ...process.env, RUN_DIR: "/", USERS: "1", TWEETS: "1" },
    overrides: overrides.filter((o) => o.startsWith("data.")),
  });
  return { USERS: String(loose.data.users ?? 1), TWEETS: String(loose.data.tweets ?? 1) };
}

/**
 * Loads the main-job config (the embedded default, or `file`) with `key.path=value` overrides;
 * `${RUN_DIR}` becomes `runDir`. ConfigError with the key path on anything invalid in any stage,
 * including a TwHIN section that does not match the graph the job generates.
 */
export function loadMainJobConfig(options: {
  runDir: string;
  file?: string;
  overrides?: readonly string[];
}): MainJobConfig {
  let text = MAIN_JOB_YAML;
  if (options.file) {
    try {
      text = readFileSync(options.file, "utf8");
    } catch (cause) {
      throw new NotFoundError(`Config file ${options.file} cannot be read: check the path.`, {
        cause,
      });
    }
  }
  const overrides = options.overrides ?? [];
  const config = loadConfigText(mainJobConfigSchema, text, {
    env: { ...process.env, ...dataSizes(text, overrides), RUN_DIR: options.runDir },
    overrides,
    source: options.file ?? "the main job config",
  });
  checkAgainstGeneratedGraph(config);
  return config;
}

/** The TwHIN section must describe the graph that `data` generates (tables, relation order). */
function checkAgainstGeneratedGraph(config: MainJobConfig): void {
  // twitterGraphSpec validates the sizes (ConfigError) as the generator will.
  const spec = twitterGraphSpec({
    users: config.data.users,
    tweets: config.data.tweets,
    edges: config.data.edges,
    communities: config.data.communities,
  });
  const graph = {
    tables: spec.tables.map((table) => ({ name: table.name, num_embeddings: table.count })),
    relations: spec.relations,
  };
  checkConfigAgainstGraph(
    config.twhin,
    graph,
    "the graph the main job generates (data.*)",
    "twhin.",
  );
}
