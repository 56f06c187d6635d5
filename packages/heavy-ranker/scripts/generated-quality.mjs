// Generated Heavy Ranker data with planted signal (data-io's RankerGenerator): trains through the
// real pipeline (Parquet shards → recapDatasetBatches → trainHeavyRanker) and compares each task's
// validation AUC with the generator's Bayes-optimal AUC. Usage:
//   nice -n 10 timeout 3600 node packages/heavy-ranker/scripts/generated-quality.mjs [workDir] [out.json]
import { mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLogger } from "@tml/core";
import { writeRankerData } from "@tml/data-io";
import { evaluateHeavyRanker, recapConfigSchema, trainHeavyRanker } from "@tml/heavy-ranker";

const work = process.argv[2] ?? join(tmpdir(), "hr-generated");
const out = process.argv[3] ?? "generated-quality-result.json";
const rows = Number(process.env.GEN_ROWS ?? 250_000);
const steps = Number(process.env.GEN_STEPS ?? 2000);
const P = "recap.engagement.";
const TASKS = {
  [`${P}is_favorited`]: 0.2,
  [`${P}is_video_playback_50`]: 0.1,
  [`${P}is_retweeted`]: 0.05,
  [`${P}is_replied`]: 0.02,
};
const layout = { continuous: 256, binary: 32, discrete: 8, embedding: 32 };
const logger = createLogger({ name: "generated", level: "info" });

rmSync(work, { recursive: true, force: true });
const began = performance.now();
const report = await writeRankerData(join(work, "data"), {
  rows,
  seed: 11,
  layout,
  shardRows: rows / 10,
  rates: TASKS,
});
// The last 2 of 10 shards are the validation split (same planted model).
mkdirSync(join(work, "validation"), { recursive: true });
for (const file of report.files.slice(-2)) {
  const name = file.path.split("/").at(-1);
  renameSync(join(work, "data", name), join(work, "validation", name));
}
const generateSeconds = (performance.now() - began) / 1000;

const data = (folder) => ({
  global_batch_size: 512,
  inputs: join(work, folder, "*.parquet"),
  seg_dense_schema: {
    schema_path: join(work, "data", "segdense.json"),
    renamed_features: {
      continuous: "home_recap_2022_cont__segdense_vals",
      binary: "home_recap_2022_binary__segdense_vals",
      discrete: "home_recap_2022_discrete__segdense_vals",
      user_embedding: "user.timelines.twhin_user_follow_embeddings.twhin_user_follow_embeddings",
      author_embedding:
        "original_author.timelines.twhin_author_follow_embeddings.twhin_author_follow_embeddings",
      user_eng_embedding:
        "user.timelines.twhin_user_engagement_embeddings.twhin_user_engagement_embeddings",
    },
  },
  tasks: Object.fromEntries(Object.keys(TASKS).map((task) => [task, {}])),
});
const tower = {
  mlp_config: { layer_sizes: [64, 1], batch_norm: { affine: false, momentum: 0.1 } },
};
// GEN_ARCH=masknet: parallel MaskNet backbone; dlrm: DLRM backbone whose dot interaction pairs the
// dense bottom output with the three TwHIN embeddings (the planted user–author affinity).
const arch = process.env.GEN_ARCH ?? "masknet";
const backbone =
  arch === "dlrm"
    ? {
        dlrm_config: {
          bottom_mlp: { layer_sizes: [128, 32] },
          top_mlp: { layer_sizes: [256, 128], final_layer_activation: true },
        },
      }
    : {
        mask_net_config: {
          use_parallel: true,
          mask_blocks: [1, 2, 3].map(() => ({
            output_size: 64,
            aggregation_size: 128,
            input_layer_norm: false,
          })),
          mlp: { layer_sizes: [128], final_layer_activation: true },
        },
      };
const ramp = (learning_rate) => ({
  linear_ramp_to_constant: { learning_rate, num_ramp_steps: 100 },
});
const config = recapConfigSchema.parse({
  training: {
    num_train_steps: steps,
    checkpoint_every_n: 500,
    train_log_every_n: 250,
    num_eval_steps: -1,
  },
  model: {
    tasks: Object.fromEntries(Object.keys(TASKS).map((task) => [task, tower])),
    multi_task_type: "share_all",
    backbone,
    featurization_config: {
      double_norm_log_config: {
        batch_norm_config: { affine: true, momentum: 0.01 },
        clip_magnitude: 5.0,
        layer_norm_config: { epsilon: 1e-5 },
      },
    },
  },
  train_data: data("data"),
  validation_data: { validation: data("validation") },
  optimizer: {
    adam: { beta_1: 0.9, beta_2: 0.999, epsilon: 1e-7 },
    multi_task_learning_rates: {
      backbone_learning_rate: ramp(1e-3),
      tower_learning_rates: Object.fromEntries(
        Object.keys(TASKS).map((task) => [task, ramp(1e-3)]),
      ),
    },
  },
});
const trained = await trainHeavyRanker({
  config,
  outDir: join(work, "run"),
  device: "cpu",
  logger,
});
const evaluation = await evaluateHeavyRanker({
  config,
  checkpoint: join(work, "run", "checkpoints"),
  device: "cpu",
  logger,
});
const metrics = evaluation.metrics.validation;
const tasks = Object.fromEntries(
  Object.keys(TASKS).map((task) => {
    const bayes = report.tasks[task].bayesAuc;
    const auc = metrics[`auroc/${task}`];
    return [
      task,
      {
        auc,
        bayesAuc: bayes,
        gap: bayes - auc,
        rce: metrics[`rce/${task}`],
        nrce: metrics[`nrce/${task}`],
        prAuc: metrics[`pr_auc/${task}`],
        calibration: metrics[`calibration/${task}`],
      },
    ];
  }),
);
const result = {
  arch,
  rows,
  layout,
  steps: trained.step,
  parameters: trained.parameters,
  engine: trained.engine,
  generateSeconds,
  trainSeconds: trained.walltimeS,
  validationRows: metrics.eval_examples,
  tasks,
};
for (const [task, values] of Object.entries(tasks)) {
  console.log(
    `${task}: AUC ${values.auc.toFixed(4)} vs Bayes ${values.bayesAuc.toFixed(4)} (gap ${values.gap.toFixed(4)}), RCE ${values.rce.toFixed(2)}`,
  );
}
console.log(`train ${trained.walltimeS.toFixed(0)} s for ${trained.step} steps`);
writeFileSync(`${out}.tmp`, `${JSON.stringify(result, null, 2)}\n`);
renameSync(`${out}.tmp`, out);
