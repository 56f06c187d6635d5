import {
  earlyStoppingConfigSchema,
  reduceLrOnPlateauConfigSchema,
  TmlError,
  trainingConfigSchema,
} from "@tml/core";
import { describe, expect, it } from "vitest";
import {
  EarlyStopping,
  improves,
  PlateauSchedule,
  ValidationMonitors,
} from "./validation-monitors.js";

const plateau = (fields: Record<string, unknown>) =>
  new PlateauSchedule(reduceLrOnPlateauConfigSchema.parse({ monitor: "auroc/x", ...fields }));

describe("improves", () => {
  it("compares in the configured direction with min_delta", () => {
    expect(improves(0.5, null, { mode: "max", min_delta: 0 })).toBe(true);
    expect(improves(0.51, 0.5, { mode: "max", min_delta: 0 })).toBe(true);
    expect(improves(0.5, 0.5, { mode: "max", min_delta: 0 })).toBe(false);
    expect(improves(0.5000005, 0.5, { mode: "max", min_delta: 1e-6 })).toBe(false);
    expect(improves(0.4, 0.5, { mode: "min", min_delta: 0 })).toBe(true);
    expect(improves(0.6, 0.5, { mode: "min", min_delta: 0 })).toBe(false);
    expect(improves(Number.NaN, null, { mode: "max", min_delta: 0 })).toBe(false);
  });
});

describe("PlateauSchedule", () => {
  it("with patience 1 (FuxiCTR) scales by the factor after every evaluation that does not improve", () => {
    const schedule = plateau({ factor: 0.1, patience: 1 });
    // AUCs of BARS's MaskNet Frappe log, epochs 9–13: better, worse, better, worse, worse.
    const scales = [0.9786, 0.9784, 0.9821, 0.982, 0.9815].map((auc) => schedule.observe(auc));
    expect(scales[0]).toBeUndefined();
    expect(scales[1]).toBeCloseTo(0.1, 12);
    expect(scales[2]).toBeUndefined();
    expect(scales[3]).toBeCloseTo(0.01, 12);
    expect(scales[4]).toBeCloseTo(0.001, 12);
    expect(schedule.state.best).toBe(0.9821);
  });

  it("with patience 2 waits two evaluations, and an improvement restarts the count", () => {
    const schedule = plateau({ factor: 0.5, patience: 2, mode: "min" });
    // losses: 1.0 best, 1.1 (1), 0.9 best (0), 1.0 (1), 1.2 (2 → ×0.5), 1.3 (1), 1.4 (2 → ×0.5)
    const scales = [1.0, 1.1, 0.9, 1.0, 1.2, 1.3, 1.4].map((loss) => schedule.observe(loss));
    expect(scales).toEqual([undefined, undefined, undefined, undefined, 0.5, undefined, 0.25]);
    expect(schedule.state).toEqual({ best: 0.9, waiting: 0, scale: 0.25 });
  });
});

describe("EarlyStopping", () => {
  it("stops after patience evaluations in a row without improvement and keeps the best", () => {
    const stopping = new EarlyStopping(
      earlyStoppingConfigSchema.parse({ monitor: "auc", patience: 2 }),
    );
    const improved = [0.9, 0.95, 0.94, 0.96, 0.955, 0.958].map((auc, index) => {
      const result = stopping.observe((index + 1) * 10, { auc, loss: 1 - auc });
      if (result) stopping.setBestCheckpoint(`ckpt/${(index + 1) * 10}`);
      return result;
    });
    expect(improved).toEqual([true, true, false, true, false, false]);
    expect(stopping.state.stopped).toBe(true);
    expect(stopping.state.waiting).toBe(2);
    expect(stopping.state.best).toEqual({
      step: 40,
      value: 0.96,
      metrics: { auc: 0.96, loss: 1 - 0.96 },
      checkpoint: "ckpt/40",
    });
  });

  it("without patience keeps the best and never stops", () => {
    const keeping = new EarlyStopping(earlyStoppingConfigSchema.parse({ monitor: "auc" }));
    expect(keeping.config.patience).toBeUndefined();
    const improved = [0.9, 0.8, 0.7, 0.6, 0.5, 0.95, 0.4].map((auc, index) =>
      keeping.observe(index + 1, { auc }),
    );
    expect(improved).toEqual([true, false, false, false, false, true, false]);
    expect(keeping.state).toMatchObject({ stopped: false, waiting: 1, best: { step: 6 } });
  });

  it("names the available metrics when the monitored one is missing", () => {
    const stopping = new EarlyStopping(
      earlyStoppingConfigSchema.parse({ monitor: "auroc/label", patience: 1 }),
    );
    expect(() => stopping.observe(1, { "auroc/click": 0.5 })).toThrow(/auroc\/click/);
  });
});

describe("ValidationMonitors.fromConfig", () => {
  const config = (fields: Record<string, unknown>) => trainingConfigSchema.parse(fields);
  const evaluate = () => ({});

  it("is undefined without monitors and refuses them without eval_every_n or rate scaling", () => {
    expect(ValidationMonitors.fromConfig(config({}), { evaluate })).toBeUndefined();
    const stopping = { early_stopping: { monitor: "auc", patience: 2 } };
    expect(() => ValidationMonitors.fromConfig(config(stopping), { evaluate })).toThrow(
      /eval_every_n/,
    );
    const withPlateau = config({ eval_every_n: 5, reduce_lr_on_plateau: { monitor: "auc" } });
    let error: unknown;
    try {
      ValidationMonitors.fromConfig(withPlateau, { evaluate });
    } catch (caught) {
      error = caught;
    }
    expect(TmlError.isInstance(error, "CONFIG")).toBe(true);
    const monitors = ValidationMonitors.fromConfig(withPlateau, {
      evaluate,
      setLearningRateScale: () => {},
    });
    expect(monitors?.plateau?.config).toEqual({
      monitor: "auc",
      mode: "max",
      min_delta: 0,
      factor: 0.1,
      patience: 1,
      min_learning_rate: 0,
    });
  });

  it("restores saved state, and names the monitor and the way out when a checkpoint has none", () => {
    const monitors = ValidationMonitors.fromConfig(
      config({
        eval_every_n: 5,
        early_stopping: { monitor: "mrr", patience: 2 },
        reduce_lr_on_plateau: { monitor: "mrr" },
      }),
      { evaluate, setLearningRateScale: () => {} },
    )!;
    const saved = {
      earlyStopping: { best: null, waiting: 1, stopped: false },
      plateau: { best: 0.5, waiting: 0, scale: 0.1 },
    };
    monitors.setState(saved, "/run/ckpt/7");
    expect(monitors.getState()).toEqual(saved);
    // A checkpoint of a run without the plateau schedule (or of an older version): a typed
    // CheckpointError that names the key and both ways on.
    let error: unknown;
    try {
      monitors.setState({ earlyStopping: saved.earlyStopping, plateau: null }, "/run/ckpt/7");
    } catch (caught) {
      error = caught;
    }
    expect(TmlError.isInstance(error, "CHECKPOINT")).toBe(true);
    expect((error as Error).message).toMatch(
      /Checkpoint \/run\/ckpt\/7 has no training\.reduce_lr_on_plateau state: the run was started without/,
    );
    expect((error as Error).message).toMatch(/start a new run/);
    expect(() => monitors.setState(undefined, "/run/ckpt/7")).toThrow(
      /no training\.early_stopping state/,
    );
  });
});
