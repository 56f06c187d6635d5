import { ConfigError, parseConfig } from "@tml/core";
import { describe, expect, it } from "vitest";
import {
  computeLearningRate,
  type LearningRateConfig,
  learningRateSchema,
  scaledLearningRate,
} from "./learning-rate.js";

const parse = (value: unknown): LearningRateConfig => parseConfig(learningRateSchema, value);

describe("computeLearningRate", () => {
  it("constant", () => {
    const config = parse({ constant: 0.05 });
    expect(computeLearningRate(config, 0)).toBe(0.05);
    expect(computeLearningRate(config, 123456)).toBe(0.05);
  });

  it("piecewise_constant: the spec's worked example (bisect-right)", () => {
    const config = parse({
      piecewise_constant: {
        learning_rate_boundaries: [100, 200],
        learning_rate_values: [1.0, 0.5, 0.1],
      },
    });
    const steps = [0, 99, 100, 150, 200, 300];
    expect(steps.map((s) => computeLearningRate(config, s))).toEqual([1, 1, 0.5, 0.5, 0.1, 0.1]);
  });

  it("linear_ramp_to_constant starts at 0 and holds the peak (local_prod backbone)", () => {
    const config = parse({
      linear_ramp_to_constant: { learning_rate: 1e-4, num_ramp_steps: 1000 },
    });
    expect(computeLearningRate(config, 0)).toBe(0);
    expect(computeLearningRate(config, 500)).toBeCloseTo(5e-5, 15);
    expect(computeLearningRate(config, 1000)).toBeCloseTo(1e-4, 15);
    expect(computeLearningRate(config, 5000)).toBe(1e-4);
  });

  it("linear_ramp_to_cosine: the spec's worked example", () => {
    const config = parse({
      linear_ramp_to_cosine: {
        learning_rate: 1,
        final_learning_rate: 0.1,
        num_ramp_steps: 10,
        final_num_steps: 110,
      },
    });
    const expected = [0, 0.5, 1.0, 0.55, 0.1, 0.1];
    [0, 5, 10, 60, 110, 200].forEach((step, i) => {
      expect(computeLearningRate(config, step)).toBeCloseTo(expected[i]!, 12);
    });
  });
});

describe("learningRateSchema", () => {
  it("requires exactly one schedule", () => {
    expect(() => parse({})).toThrow(ConfigError);
    expect(() =>
      parse({ constant: 1, linear_ramp_to_constant: { learning_rate: 1, num_ramp_steps: 2 } }),
    ).toThrow(/Exactly one of/);
    expect(parse({ constant: 1, piecewise_constant: null }).constant).toBe(1);
  });

  it("rejects unknown keys, bad piecewise lengths and degenerate cosine", () => {
    expect(() => parse({ constant: 1, warmup: 3 })).toThrow(/warmup: unknown key/);
    expect(() =>
      parse({
        piecewise_constant: { learning_rate_boundaries: [10], learning_rate_values: [1] },
      }),
    ).toThrow(/piecewise_constant.learning_rate_values: needs one more entry/);
    expect(() =>
      parse({
        piecewise_constant: { learning_rate_boundaries: [10, 5], learning_rate_values: [1, 2, 3] },
      }),
    ).toThrow(/strictly increasing/);
    expect(() =>
      parse({
        linear_ramp_to_cosine: {
          learning_rate: 1,
          final_learning_rate: 0,
          num_ramp_steps: 10,
          final_num_steps: 10,
        },
      }),
    ).toThrow(/final_num_steps: must be greater/);
  });
});

describe("scaledLearningRate", () => {
  it("scales a rate, never below the floor nor above the rate itself", () => {
    expect(scaledLearningRate(0.2, 1, 0.5)).toBe(0.2);
    expect(scaledLearningRate(0.2, 0.25, 0)).toBeCloseTo(0.05, 12);
    expect(scaledLearningRate(0.2, 0.25, 0.1)).toBe(0.1);
    expect(scaledLearningRate(0.2, 0.25, 0.5)).toBe(0.2);
  });
});
