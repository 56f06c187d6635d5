import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { writeEngagementGraph } from "../testing/generated-graph.js";
import { tinyConfig } from "../testing/tiny-graph.js";
import { edgesTrained, plannedTrainSteps, planTwhinTraining } from "./training-plan.js";

describe("planTwhinTraining", () => {
  const base = tinyConfig();
  const config = (training: Record<string, unknown>, selection?: number) => ({
    ...base,
    training: { ...base.training, ...training },
    train_data: { ...base.train_data, per_replica_batch_size: 20 },
    model_selection: selection ? { eval_every_n_epochs: selection } : undefined,
  });

  it("turns epochs into steps: each pass ends with its short batch", () => {
    const plan = planTwhinTraining(config({ num_epochs: 8 }, 2), 71, { workers: 1 });
    expect(plan).toEqual({
      trainEdges: 71,
      edgesPerStep: 20,
      stepsPerEpoch: 4,
      numTrainSteps: 32,
      evalEveryN: 8,
    });
    expect(edgesTrained(plan, 32)).toBe(8 * 71);
    expect(edgesTrained(plan, 34)).toBe(8 * 71 + 40);
    // Two Hogwild workers train 2 x 20 edges a step.
    expect(planTwhinTraining(config({ num_epochs: 8 }), 71, { workers: 2 })).toMatchObject({
      stepsPerEpoch: 2,
      numTrainSteps: 16,
      evalEveryN: undefined,
    });
  });

  it("keeps num_train_steps without epochs, and --max-steps overrides both", () => {
    const steps = config({ num_train_steps: 13, num_epochs: null, eval_every_n: 5 });
    expect(planTwhinTraining(steps, 71, { workers: 1 })).toMatchObject({
      numTrainSteps: 13,
      evalEveryN: 5,
    });
    const capped = planTwhinTraining(config({ num_epochs: 8 }), 71, { workers: 1, maxSteps: 3 });
    expect(capped.numTrainSteps).toBe(3);
    expect(() => planTwhinTraining(steps, 0, { workers: 1 })).toThrow(/holds no edges/);
  });

  it("plans before loading: row counts are read only for epochs", async () => {
    const missing = config({ num_train_steps: 13, num_epochs: null });
    // data_root "-" does not exist: without epochs nothing is read.
    expect(await plannedTrainSteps(missing, { workers: 1 })).toBe(13);
    expect(await plannedTrainSteps(config({ num_epochs: 3 }), { workers: 1, maxSteps: 7 })).toBe(7);
    const dir = mkdtempSync(join(tmpdir(), "twhin-plan-"));
    try {
      await writeEngagementGraph(join(dir, "graph"));
      const epochs = config({ num_epochs: 3 });
      const withData = {
        ...epochs,
        train_data: { ...epochs.train_data, data_root: join(dir, "graph/edges/train"), limit: 90 },
      };
      // 90 edges in batches of 20: 5 steps an epoch.
      expect(await plannedTrainSteps(withData, { workers: 1 })).toBe(15);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
