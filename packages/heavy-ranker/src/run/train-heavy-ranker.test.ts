import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLogger } from "@tml/core";
import { readSafetensors, writeRankerData, writeSafetensors } from "@tml/data-io";
import { setupTestBackend } from "@tml/engine/testing";
import { listCheckpoints } from "@tml/training";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { recapConfigSchema } from "../config/recap-config.js";
import { evaluateHeavyRanker } from "./evaluate-heavy-ranker.js";
import { trainHeavyRanker } from "./train-heavy-ranker.js";

const root = mkdtempSync(join(tmpdir(), "hr-run-"));
const FAV = "recap.engagement.is_favorited";
const DWELL = "recap.engagement.is_tweet_detail_dwelled_15_sec";
const layout = { continuous: 48, binary: 8, discrete: 4, embedding: 8 };

beforeAll(async () => {
  await setupTestBackend();
  for (const [split, seed] of [
    ["train", 1],
    ["validation", 2],
  ] as const) {
    await writeRankerData(join(root, split), {
      rows: 384,
      seed,
      layout,
      shardRows: 160,
      rowGroupRows: 50,
      informativeContinuous: 6,
      informativeBinary: 3,
      interactions: 1,
      rates: { [FAV]: 0.3, [DWELL]: 0.3 },
      users: 50,
      authors: 20,
    });
  }
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

function config(steps: number, partitions: readonly string[] = ["validation"]) {
  const data = (split: string) => ({
    global_batch_size: 64,
    inputs: join(root, split, "*.parquet"),
    seg_dense_schema: {
      schema_path: join(root, split, "segdense.json"),
      renamed_features: {
        continuous: "home_recap_2022_cont__segdense_vals",
        binary: "home_recap_2022_binary__segdense_vals",
        discrete: "home_recap_2022_discrete__segdense_vals",
        user_embedding: "user.timelines.twhin_user_follow_embeddings.twhin_user_follow_embeddings",
      },
    },
    tasks: { [FAV]: {}, [DWELL]: {} },
  });
  const tower = { mlp_config: { layer_sizes: [8, 1] } };
  return recapConfigSchema.parse({
    training: {
      num_train_steps: steps,
      checkpoint_every_n: 3,
      train_log_every_n: 100,
      num_eval_steps: -1,
    },
    model: {
      tasks: { [FAV]: tower, [DWELL]: tower },
      multi_task_type: "share_all",
      backbone: {
        mask_net_config: {
          use_parallel: true,
          mask_blocks: [{ output_size: 8, aggregation_size: 8, input_layer_norm: false }],
        },
      },
      featurization_config: {
        double_norm_log_config: {
          batch_norm_config: { momentum: 0.1 },
          layer_norm_config: { epsilon: 1e-5 },
        },
      },
    },
    train_data: data("train"),
    validation_data: Object.fromEntries(partitions.map((split) => [split, data(split)])),
    optimizer: {
      adam: {},
      multi_task_learning_rates: {
        tower_learning_rates: { [FAV]: { constant: 0.01 }, [DWELL]: { constant: 0.01 } },
        backbone_learning_rate: { constant: 0.005 },
      },
    },
  });
}

describe("trainHeavyRanker / evaluateHeavyRanker", () => {
  const logger = createLogger({ name: "test", level: "error" });
  const outDir = join(root, "run");

  it("trains from Parquet files with checkpoints, refuses to clobber, resumes, and evaluates", async () => {
    const steps: number[] = [];
    const first = await trainHeavyRanker({
      config: config(4),
      outDir,
      device: "js",
      logger,
      callbacks: { onStep: (event) => void steps.push(event.step) },
    });
    expect(first.status).toBe("completed");
    expect(first.lastEval?.["eval_examples"]).toBe(384);
    expect(first.step).toBe(4);
    expect(steps).toEqual([1, 2, 3, 4]);
    expect((await listCheckpoints(join(outDir, "checkpoints"))).map((ref) => ref.step)).toEqual([
      3, 4,
    ]);
    await expect(
      trainHeavyRanker({ config: config(6), outDir, device: "js", logger }),
    ).rejects.toThrow(/resume/);
    const resumed = await trainHeavyRanker({
      config: config(6),
      outDir,
      device: "js",
      logger,
      resume: true,
    });
    expect(resumed.step).toBe(6);
    const warmConfig = config(2);
    const warm = await trainHeavyRanker({
      config: {
        ...warmConfig,
        training: {
          ...warmConfig.training,
          initial_checkpoint_dir: join(outDir, "checkpoints", "6"),
        },
      },
      outDir: join(root, "warm"),
      device: "js",
      logger,
    });
    expect(warm.step).toBe(2);
    const evaluation = await evaluateHeavyRanker({
      config: config(6),
      checkpoint: join(outDir, "checkpoints"),
      device: "js",
      logger,
    });
    expect(evaluation.step).toBe(6);
    const metrics = evaluation.metrics["validation"] as Record<string, number>;
    expect(metrics["eval_examples"]).toBe(384);
    for (const task of [FAV, DWELL]) {
      expect(metrics[`auroc/${task}`]).toBeGreaterThan(0);
      expect(Number.isFinite(metrics[`rce/${task}`])).toBe(true);
    }
  });

  it("trains large id tables read from a renamed id column and discrete columns, exports and evaluates them", async () => {
    const base = config(3);
    const renamed = {
      ...base.train_data.seg_dense_schema.renamed_features,
      meta__user_id: "meta.user_id",
    };
    const data = (section: typeof base.train_data) => ({
      ...section,
      seg_dense_schema: { ...section.seg_dense_schema, renamed_features: renamed },
    });
    const large = recapConfigSchema.parse({
      ...base,
      train_data: data(base.train_data),
      validation_data: {
        validation: data(base.validation_data["validation"] as typeof base.train_data),
      },
      model: {
        ...base.model,
        large_embeddings: {
          tables: [
            { name: "user", num_embeddings: 64, embedding_dim: 4, feature_name: "meta__user_id" },
            {
              name: "codes",
              data_type: "bf16",
              num_embeddings: 97,
              embedding_dim: 3,
              discrete_indices: [0, 1],
              pooling: "mean",
            },
          ],
          optimizer: { init_learning_rate: 0.05, rowwise_adagrad: {} },
        },
      },
    });
    const largeDir = join(root, "large");
    const trained = await trainHeavyRanker({
      config: large,
      outDir: largeDir,
      device: "js",
      logger,
    });
    expect(trained.step).toBe(3);
    expect(trained.parameters).toBeGreaterThan(64 * 4 + 97 * 3);
    const weights = readSafetensors(readFileSync(trained.weightsPath as string));
    expect(weights.tensors.get("large_embeddings.ebc.embedding_bags.user.weight")?.shape).toEqual([
      64, 4,
    ]);
    const evaluation = await evaluateHeavyRanker({
      config: large,
      checkpoint: join(largeDir, "checkpoints"),
      device: "js",
      logger,
    });
    expect(evaluation.metrics["validation"]?.["eval_examples"]).toBe(384);
    const snapshot = join(root, "user.safetensors");
    const values = new Float32Array(32 * 4);
    writeFileSync(snapshot, writeSafetensors([["user", { dtype: "F32", shape: [32, 4], values }]]));
    const [userTable, codesTable] = large.model.large_embeddings?.tables ?? [];
    const pretrained = {
      ...large,
      model: {
        ...large.model,
        large_embeddings: {
          ...(large.model.large_embeddings as NonNullable<typeof large.model.large_embeddings>),
          tables: [
            { ...userTable, pretrained: { emb_name: "user", embedding_snapshot_uri: snapshot } },
            codesTable,
          ] as NonNullable<typeof large.model.large_embeddings>["tables"],
        },
      },
    };
    const mismatchDir = join(root, "large-pretrained");
    await expect(
      trainHeavyRanker({ config: pretrained, outDir: mismatchDir, device: "js", logger }),
    ).rejects.toThrow(/is 32 x 4, but table user is 64 x 4/);
    expect(await listCheckpoints(join(mismatchDir, "checkpoints"))).toEqual([]);
    expect(() =>
      recapConfigSchema.parse({
        ...large,
        model: {
          ...large.model,
          large_embeddings: {
            ...large.model.large_embeddings,
            tables: [
              { name: "u", num_embeddings: 4, embedding_dim: 2, feature_name: "meta.user_id" },
            ],
          },
        },
      }),
    ).toThrow(/not a feature of train_data.seg_dense_schema/);
  });

  it("follows a save dir and evaluates every partition at every new checkpoint", async () => {
    const saveDir = join(root, "followed");
    await trainHeavyRanker({ config: config(3), outDir: saveDir, device: "js", logger });
    const evaluated: string[] = [];
    const following = evaluateHeavyRanker({
      config: config(6, ["validation", "train"]),
      checkpoint: join(saveDir, "checkpoints"),
      device: "js",
      logger,
      follow: true,
      pollSeconds: 0.05,
      onEval: (event) => void evaluated.push(`${event.partition}@${event.step}`),
    });
    // The first checkpoint has been seen before training goes on to write the next ones.
    while (!evaluated.includes("validation@3")) await new Promise((done) => setTimeout(done, 20));
    await trainHeavyRanker({
      config: config(6),
      outDir: saveDir,
      device: "js",
      logger,
      resume: true,
    });
    const result = await following;
    expect(result.step).toBe(6);
    expect(Object.keys(result.metrics).sort()).toEqual(["train", "validation"]);
    const steps = (partition: string) =>
      evaluated.filter((entry) => entry.startsWith(`${partition}@`)).map((e) => e.split("@")[1]);
    expect(steps("validation")).toContain("3");
    expect(steps("train")).toEqual(steps("validation"));
  });

  it("num_epochs: two passes over 384 rows in batches of 64 are 12 steps; evaluation_tasks keeps one task", async () => {
    const base = config(1000);
    const result = await trainHeavyRanker({
      config: {
        ...base,
        training: { ...base.training, num_epochs: 2, checkpoint_every_n: 100 },
        validation_data: {
          validation: { ...base.validation_data["validation"]!, evaluation_tasks: [FAV] },
        },
      },
      outDir: join(root, "epochs"),
      device: "js",
      logger,
    });
    expect(result.status).toBe("completed");
    expect(result.step).toBe(12);
    const metrics = result.partitionMetrics["validation"] as Record<string, number>;
    expect(metrics[`auroc/${FAV}`]).toBeGreaterThan(0);
    expect(metrics[`auroc/${DWELL}`]).toBeUndefined();
    expect(result.lastEval?.[`auroc/${DWELL}`]).toBeUndefined();
  });
});
