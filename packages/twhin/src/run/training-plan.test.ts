import { describe, expect, it } from "vitest";
import { tinyConfig } from "../testing/tiny-graph.js";
import { edgesTrained, planTwhinTraining } from "./training-plan.js";

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
});
