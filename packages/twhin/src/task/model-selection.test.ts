import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { TaskState } from "@tml/core";
import { loadConfigFile } from "@tml/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { twhinConfigSchema } from "../config/twhin-config.js";
import { readEdges } from "../data/edge-set.js";
import { FilterIndex } from "../eval/filter-index.js";
import { evaluateLinkPrediction } from "../eval/link-prediction.js";
import { loadTwhinModel } from "../run/load-model.js";
import { trainTwhin } from "../run/train-twhin.js";
import { writeEngagementGraph } from "../testing/generated-graph.js";
import { ModelSelection } from "./model-selection.js";

const localYaml = fileURLToPath(new URL("../../configs/local.yaml", import.meta.url));
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "twhin-selection-"));
  await writeEngagementGraph(join(dir, "graph"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const state = (): TaskState => ({
  arrays: { w: { dtype: "float32", shape: [1], data: new Float32Array([1]) } },
  json: {},
});

/** local.yaml on the generated graph: 1,000 training edges in batches of 100 (10 steps an epoch). */
function epochConfig(saveDir: string, extra: string[]) {
  return loadConfigFile(twhinConfigSchema, localYaml, {
    overrides: [
      `train_data.data_root=${dir}/graph/edges/train/*.parquet`,
      "train_data.limit=1000",
      "train_data.per_replica_batch_size=100",
      `validation_data.data_root=${dir}/graph/edges/test/*.parquet`,
      "validation_data.offset=null",
      "validation_data.limit=100",
      "model.embeddings.tables.0.num_embeddings=300",
      "model.embeddings.tables.1.num_embeddings=200",
      `training.save_dir=${saveDir}`,
      "training.checkpoint_every_n=10",
      "training.num_eval_steps=-1",
      ...extra,
    ],
  });
}

describe("model selection", () => {
  it("keeps only the best validation's checkpoint and stops after `patience` without a better one", async () => {
    const bestDir = join(dir, "unit-best");
    const selection = new ModelSelection({ bestDir, patience: 2 });
    expect(await selection.record(10, 0.3, 1, state)).toBe(true);
    expect(await selection.record(20, 0.5, 2, state)).toBe(true);
    expect(await selection.record(30, 0.4, 3, state)).toBe(false);
    expect(await selection.record(40, 0.5, 4, state)).toBe(false); // a tie is no improvement
    expect(selection.best()).toEqual({ checkpoint: join(bestDir, "20"), step: 20, mrr: 0.5 });
    expect(readdirSync(bestDir)).toEqual(["20"]);
    expect(selection.stopRequest()).toContain(
      "has not improved on 0.5 (step 20) for 2 validations",
    );
  });

  it("trains num_epochs epochs, validates every n epochs and keeps the best-validation checkpoint", async () => {
    const saveDir = join(dir, "epochs");
    const evals: { step: number; mrr: number }[] = [];
    const config = epochConfig(saveDir, [
      "training.num_epochs=4",
      "model_selection.eval_every_n_epochs=2",
    ]);
    const result = await trainTwhin({
      config,
      device: "cpu",
      workers: 1,
      callbacks: {
        onEval: (event) => void evals.push({ step: event.step, mrr: event.metrics["mrr"]! }),
      },
    });
    expect(result.plan).toMatchObject({ trainEdges: 1000, stepsPerEpoch: 10, numTrainSteps: 40 });
    expect(result.step).toBe(40);
    expect(evals.map((e) => e.step)).toEqual([20, 40]);
    const best = evals.reduce((a, b) => (b.mrr > a.mrr ? b : a));
    expect(result.selected).toEqual({
      checkpoint: join(saveDir, "best", String(best.step)),
      step: best.step,
      mrr: best.mrr,
    });
    // The kept checkpoint holds the weights that scored best: evaluating it gives the same MRR.
    const { model } = await loadTwhinModel(config, result.selected!.checkpoint);
    const train = await readEdges(config.train_data.data_root, { limit: 1000 });
    const valid = await readEdges(config.validation_data!.data_root, { limit: 100 });
    const filter = new FilterIndex(model.relations.length, [train, valid]);
    const again = await evaluateLinkPrediction(model, valid, { filter });
    expect(again.both.mrr).toBe(best.mrr);
    expect(evals.some((e) => e.mrr !== best.mrr)).toBe(true);
  });

  it("stops early with patience and a resumed stopped run stays stopped", async () => {
    const saveDir = join(dir, "patience");
    // lr 0 never changes the model: the first validation stays the best.
    const config = epochConfig(saveDir, [
      "training.num_epochs=10",
      "model_selection.eval_every_n_epochs=1",
      "model_selection.patience=2",
      "model.embeddings.tables.0.optimizer.sgd.lr=0",
      "model.embeddings.tables.1.optimizer.sgd.lr=0",
      "model.translation_optimizer.sgd.lr=0",
    ]);
    const result = await trainTwhin({ config, device: "cpu", workers: 1 });
    expect(result.status).toBe("early_stopped");
    expect(result.step).toBe(30);
    expect(result.selected?.step).toBe(10);
    const resumed = await trainTwhin({ config, device: "cpu", workers: 1 });
    expect(resumed.status).toBe("early_stopped");
    expect(resumed.step).toBe(30);
    expect(resumed.selected?.step).toBe(10);
    expect(existsSync(join(saveDir, "best", "10"))).toBe(true);
  });
});
