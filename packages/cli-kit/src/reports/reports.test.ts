import { stratifiedMetrics, taskMetrics } from "@tml/heavy-ranker";
import { describe, expect, it } from "vitest";
import { formatTable } from "../table.js";
import { binaryTaskSections, stratumMetricsSection } from "./binary-tasks.js";
import { linkMetricColumns, linkMetricRows, linkPredictionSections } from "./link-prediction.js";
import { explainCandidate, rankingSection, rankingTable } from "./ranking.js";
import { trainingCurvesSection } from "./training-curves.js";

describe("binary task sections", () => {
  it("build ROC, PR, calibration and histogram plots per task", () => {
    const scored = [
      { task: "a", predictions: [0.9, 0.1, 0.7, 0.3], labels: [1, 0, 1, 0] },
      { task: "b", predictions: [0.2, 0.8, 0.4, 0.6], labels: [1, 0, 1, 0] },
    ];
    const metrics = scored.map(taskMetrics);
    const sections = binaryTaskSections(scored, metrics, "hr");
    expect(metrics.map((m) => m.auroc)).toEqual([1, 0]);
    const names = sections.flatMap((s) => s.plots ?? []).map((p) => p.name);
    expect(names).toEqual(["hr-roc", "hr-pr", "hr-calibration", "hr-scores-a", "hr-scores-b"]);
    expect(sections[0]?.table?.rows.length).toBe(2);
  });

  it("table the metrics of each stratum, and nothing without stratifiers", () => {
    const scored = [{ task: "a", predictions: [0.9, 0.1, 0.7, 0.3], labels: [1, 0, 0, 1] }];
    const strata = stratifiedMetrics(scored, [{ name: "odd", index: 3, value: 1 }], {
      odd: Int32Array.from([0, 1, 0, 1]),
    });
    const section = stratumMetricsSection(strata, "hr");
    expect(section?.table?.columns.slice(0, 4)).toEqual(["stratum", "task", "examples", "auroc"]);
    // Rows 1 and 3: negative 0.1 under positive 0.3 → AUROC 1.
    expect(section?.table?.rows.map((row) => row.slice(0, 4))).toEqual([
      ["odd (discrete[3] = 1)", "a", 2, 1],
    ]);
    expect(stratumMetricsSection([], "hr")).toBeUndefined();
  });
});

describe("training curves", () => {
  it("plot the loss and one chart per evaluation metric family", () => {
    const section = trainingCurvesSection(
      [
        { kind: "train", step: 2, loss: 0.7, examples_per_second: 100, walltime_s: 1, metrics: {} },
        {
          kind: "eval",
          step: 2,
          seconds: 0,
          metrics: { "auroc/a": 0.6, "auroc/b": 0.55, eval_examples: 64 },
        },
        { kind: "train", step: 4, loss: 0.6, examples_per_second: 100, walltime_s: 2, metrics: {} },
        {
          kind: "eval",
          step: 4,
          seconds: 0,
          metrics: { "auroc/a": 0.7, "auroc/b": 0.6, eval_examples: 64 },
        },
      ],
      "hr",
    );
    expect(section?.plots?.map((p) => p.name)).toEqual(["hr-loss", "hr-eval-auroc"]);
    const data =
      (section?.plots?.[1]?.spec.data as { values: { series: string }[] } | undefined)?.values ??
      [];
    expect(data.map((row) => row.series)).toEqual(["a", "a", "b", "b"]);
    expect(trainingCurvesSection([], "hr")).toBeUndefined();
  });
});

describe("link prediction and ranking sections", () => {
  it("orders metric columns and explains candidates by their largest terms", () => {
    const summary = {
      overall: { auc: 0.9, "hits@10": 0.5, mr: 12, "hits@1": 0.2, mrr: 0.3 },
      tail: { auc: 0.8, "hits@10": 0.4, mr: 14, "hits@1": 0.1, mrr: 0.2 },
      cold: { overall: { auc: 0.7, "hits@10": 0.1, mr: 50, "hits@1": 0, mrr: 0.05 } },
      perRelation: {
        fav: { overall: { mrr: 0.4, mr: 8, "hits@1": 0.3, "hits@10": 0.6, auc: 0.95 } },
      },
      ranks: [1, 2, 10, 100],
    };
    expect(linkMetricColumns(summary.overall)).toEqual(["mrr", "mr", "hits@1", "hits@10", "auc"]);
    expect(linkMetricRows(summary)).toEqual([
      ["all", 0.3, 12, 0.2, 0.5, 0.9],
      ["all: tail (rank rhs)", 0.2, 14, 0.1, 0.4, 0.8],
      ["cold (an endpoint unseen)", 0.05, 50, 0, 0.1, 0.7],
      ["fav", 0.4, 8, 0.3, 0.6, 0.95],
    ]);
    const sections = linkPredictionSections(
      summary,
      [{ table: "user", id: 3, name: "ada", neighbours: [{ id: 7, score: 0.91 }] }],
      "twhin",
    );
    expect(sections[0]?.plots?.map((p) => p.name)).toEqual([
      "twhin-hits",
      "twhin-hits-fav",
      "twhin-ranks",
    ]);
    expect(sections[1]?.table?.rows).toEqual([["user ada (#3)", "7: 0.910"]]);

    const rows = [
      {
        index: 4,
        score: 0.5,
        contributions: {
          "recap.engagement.is_replied": 0.8,
          "recap.engagement.is_negative_feedback_v2": -0.4,
          x: 0.1,
        },
      },
      {
        index: 1,
        score: 0.1,
        contributions: {
          "recap.engagement.is_replied": 0.1,
          "recap.engagement.is_negative_feedback_v2": 0,
          x: 0,
        },
      },
    ];
    expect(explainCandidate(rows[0] as (typeof rows)[0], 2)).toBe(
      "is_replied +0.8000, is_negative_feedback_v2 −0.4000",
    );
    const table = rankingTable(rows);
    expect(table.columns).toEqual([
      "rank",
      "candidate",
      "score",
      "why",
      "is_replied",
      "is_negative_feedback_v2",
      "x",
    ]);
    expect(table.rows[1]?.slice(0, 3)).toEqual([2, "1", 0.1]);
    expect(rankingSection(rows, "t").plots?.map((p) => p.name)).toEqual([
      "t-top-contributions",
      "t-scores",
    ]);
  });

  it("formats terminal tables", () => {
    expect(
      formatTable(
        ["task", "auroc"],
        [
          ["fav", 0.75],
          ["reply", null],
        ],
      ),
    ).toBe("task    auroc\n-----  ------\nfav    0.7500\nreply       —");
  });
});
