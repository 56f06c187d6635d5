import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { listCheckpoints } from "@tml/training";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readEdges } from "../data/edge-set.js";
import { FilterIndex } from "../eval/filter-index.js";
import { evaluateLinkPrediction } from "../eval/link-prediction.js";
import { generatedGraphConfig, writeEngagementGraph } from "../testing/generated-graph.js";
import { loadTwhinModel } from "./load-model.js";
import { selectedCheckpoint } from "./selected-checkpoint.js";
import { trainTwhin } from "./train-twhin.js";

let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "twhin-selection-"));
  await writeEngagementGraph(join(dir, "graph"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** local.yaml on the generated graph (10 steps an epoch) with `extra` overrides. */
function epochConfig(saveDir: string, extra: string[]) {
  return generatedGraphConfig(join(dir, "graph"), saveDir, extra);
}

describe("model selection", () => {
  it("trains num_epochs epochs, validates every n epochs and keeps the best-validation checkpoint", async () => {
    const saveDir = join(dir, "epochs");
    const evals: { step: number; mrr: number }[] = [];
    const config = epochConfig(saveDir, [
      "training.num_epochs=4",
      "training.checkpoint_max_to_keep=1",
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
      checkpoint: join(saveDir, String(best.step)),
      step: best.step,
      mrr: best.mrr,
    });
    expect(await selectedCheckpoint(saveDir)).toBe(result.selected!.checkpoint);
    // Pruning to one checkpoint spares the best beside the last.
    expect((await listCheckpoints(saveDir)).map((ref) => ref.step)).toEqual(
      [...new Set([best.step, 40])].sort((a, b) => a - b),
    );
    // The kept checkpoint, and the model the run ends with, hold the weights that scored best:
    // evaluating either gives the same MRR.
    const { model } = await loadTwhinModel(config, result.selected!.checkpoint);
    const train = await readEdges(config.train_data.data_root, { limit: 1000 });
    const valid = await readEdges(config.validation_data!.data_root, { limit: 100 });
    const filter = new FilterIndex(model.relations.length, [train, valid]);
    const again = await evaluateLinkPrediction(model, valid, { filter });
    expect(again.both.mrr).toBe(best.mrr);
    const ended = await evaluateLinkPrediction(result.model, valid, { filter });
    expect(ended.both.mrr).toBe(best.mrr);
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
    // The run ends with a checkpoint of the step it stopped at; the best is the one selected.
    expect(result.lastCheckpoint).toBe(join(saveDir, "30"));
    const resumed = await trainTwhin({ config, device: "cpu", workers: 1 });
    expect(resumed.status).toBe("already_finished");
    expect(resumed.step).toBe(30);
    expect(resumed.selected?.step).toBe(10);
    expect(await selectedCheckpoint(saveDir)).toBe(join(saveDir, "10"));
  });

  it("a crashed run resumes with its selection state: best and patience count", async () => {
    const saveDir = join(dir, "crashed");
    const config = epochConfig(saveDir, [
      "training.num_epochs=10",
      "model_selection.eval_every_n_epochs=1",
      "model_selection.patience=3",
      "model.embeddings.tables.0.optimizer.sgd.lr=0",
      "model.embeddings.tables.1.optimizer.sgd.lr=0",
      "model.translation_optimizer.sgd.lr=0",
    ]);
    // Cut off after the validation at step 20 (best 10, one validation without a better MRR).
    const cut = new AbortController();
    const first = await trainTwhin({
      config,
      device: "cpu",
      workers: 1,
      signal: cut.signal,
      callbacks: { onEval: (event) => void (event.step === 20 && cut.abort()) },
    });
    expect(first).toMatchObject({ status: "aborted", step: 20, selected: { step: 10 } });
    expect(await selectedCheckpoint(saveDir)).toBe(join(saveDir, "10"));
    // Two more flat validations (30, 40) exhaust patience 3; a lost count would run to step 60.
    const resumed = await trainTwhin({ config, device: "cpu", workers: 1 });
    expect(resumed).toMatchObject({ status: "early_stopped", step: 40, selected: { step: 10 } });
    expect(await selectedCheckpoint(saveDir)).toBe(join(saveDir, "10"));
  });
});
