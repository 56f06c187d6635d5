import { describe, expect, it } from "vitest";
import { onlyEvaluationTasks } from "./evaluation-tasks.js";

describe("onlyEvaluationTasks (evaluation_tasks)", () => {
  const metrics = { "auroc/fav": 0.7, "auroc/reply": 0.6, "rce/fav": 3, eval_examples: 10 };
  it("keeps the listed tasks' metrics and the task-free ones", () => {
    expect(onlyEvaluationTasks(metrics, ["fav"])).toEqual({
      "auroc/fav": 0.7,
      "rce/fav": 3,
      eval_examples: 10,
    });
  });
  it("an empty list keeps every task", () => {
    expect(onlyEvaluationTasks(metrics, [])).toEqual(metrics);
  });
});
