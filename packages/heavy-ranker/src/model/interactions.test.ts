import * as tf from "@tensorflow/tfjs-core";
import { Rng } from "@tml/core";
import { registerGradients } from "@tml/engine";
import { setupTestBackend } from "@tml/engine/testing";
import { beforeAll, describe, expect, it } from "vitest";
import {
  dcnConfigSchema,
  dlrmConfigSchema,
  positionDebiasConfigSchema,
} from "../config/model-config.js";
import { Dcn } from "./dcn.js";
import { Dlrm } from "./dlrm.js";
import {
  expectGradientsMatchFiniteDifferences,
  fixedTensor,
  randomizeVariables,
} from "./gradient-check.test-helper.js";
import { PositionDebias } from "./position-debias.js";
import { lookupRows } from "./small-embeddings.js";

beforeAll(async () => {
  await setupTestBackend();
  await registerGradients();
});

const train = { training: true, rng: new Rng(1) } as const;
const trainable = (module: { namedTensors(): Array<{ variable: tf.Variable }> }) =>
  module
    .namedTensors()
    .map((t) => t.variable)
    .filter((v) => v.trainable);
const probe = (output: tf.Tensor2D): tf.Scalar =>
  tf.sum(tf.mul(output, fixedTensor(output.shape[0], output.shape[1], 5)));

describe("lookupRows", () => {
  it("picks rows modulo the table size", () => {
    const table = tf.tensor2d([
      [1, 2],
      [3, 4],
      [5, 6],
    ]);
    const rows = lookupRows(table, tf.tensor1d([0, 2, 4, -1], "int32"));
    expect(rows.arraySync()).toEqual([
      [1, 2],
      [5, 6],
      [3, 4],
      [5, 6],
    ]);
  });
});

describe("Dcn", () => {
  it("one full cross layer equals x0 ⊙ (W x0 + b) + x0", () => {
    const dcn = new Dcn(dcnConfigSchema.parse({ poly_degree: 1 }), 2, new Rng(0));
    const [weight, bias] = trainable(dcn);
    tf.tidy(() => {
      weight?.assign(
        tf.tensor2d([
          [1, 2],
          [0, 1],
        ]),
      );
      bias?.assign(tf.tensor1d([1, 0]));
    });
    // x0 = [1, 2]: W x0 + b = [6, 2]; x0 ⊙ · + x0 = [7, 6]
    expect(Array.from(dcn.apply(tf.tensor2d([[1, 2]]), train).output.dataSync())).toEqual([7, 6]);
  });

  it("low-rank stacked DCN with output MLP has correct gradients", () => {
    const config = dcnConfigSchema.parse({
      poly_degree: 2,
      projection_dim: 2,
      use_parallel: false,
      parallel_mlp: { layer_sizes: [3] },
      output_mlp: { layer_sizes: [1] },
    });
    const dcn = new Dcn(config, 4, new Rng(2));
    randomizeVariables(trainable(dcn));
    const x = fixedTensor(5, 4);
    const before = tf.memory().numTensors;
    expectGradientsMatchFiniteDifferences(
      () => tf.tidy(() => probe(dcn.apply(x, train).output)),
      trainable(dcn),
      { step: 3e-3, samples: 3 },
    );
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe("Dlrm", () => {
  it("dot interaction of the bottom output with embedding fields, gradients checked", () => {
    const config = dlrmConfigSchema.parse({
      bottom_mlp: { layer_sizes: [2] },
      top_mlp: { layer_sizes: [3, 1] },
    });
    const dlrm = new Dlrm(config, [3, 2, 4], new Rng(3));
    // fields: bottom (2), field 1 (2, no projection), field 2 (4 → projected to 2); 3 pairs
    expect(dlrm.namedTensors().map((t) => t.name)).toContain("_projections.1.weight");
    expect(dlrm.namedTensors().map((t) => t.name)).not.toContain("_projections.0.weight");
    randomizeVariables(trainable(dlrm));
    const x = fixedTensor(4, 9);
    expect(dlrm.apply(x, train).output.shape).toEqual([4, 1]);
    const before = tf.memory().numTensors;
    expectGradientsMatchFiniteDifferences(
      () => tf.tidy(() => probe(dlrm.apply(x, train).output)),
      trainable(dlrm),
      { step: 3e-3, samples: 3 },
    );
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe("PositionDebias", () => {
  it("uses the position row in training and row 0 in eval", () => {
    const config = positionDebiasConfigSchema.parse({
      max_position: 3,
      num_dims: 2,
      position_feature_index: 1,
      drop_probability: 0,
    });
    const debias = new PositionDebias(config, new Rng(0));
    const table = debias.namedTensors()[0]?.variable.arraySync() as number[][];
    const discrete = tf.tensor2d(
      [
        [9, 2],
        [9, 7],
      ],
      [2, 2],
      "int32",
    );
    expect(debias.apply(discrete, train).arraySync()).toEqual([table[2], table[2]]);
    expect(debias.apply(discrete, { training: false }).arraySync()).toEqual([table[0], table[0]]);
    const dropAll = new PositionDebias({ ...config, drop_probability: 1 }, new Rng(0));
    const dropTable = dropAll.namedTensors()[0]?.variable.arraySync() as number[][];
    expect(dropAll.apply(discrete, train).arraySync()).toEqual([dropTable[0], dropTable[0]]);
  });
});
