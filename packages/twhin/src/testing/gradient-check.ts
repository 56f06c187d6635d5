import { Rng } from "@tml/core";
import { expect } from "vitest";
import type { EdgeBatch } from "../data/edge-batch.js";
import type { TwhinModel } from "../model/twhin-model.js";
import type { TwhinStep } from "../step/twhin-step.js";

/** Which parameters `expectGradientsMatchDifferences` perturbs (every `stride`-th). */
export interface GradientCheckOptions {
  tableStride: number;
  /** 0: leave the operator parameters out (e.g. detached under `parity: original`). */
  relationStride: number;
}

/**
 * Test helper: the step's row-sparse gradients of `batch` equal central differences of its loss
 * (eps 1e-3, tolerance 2e-4 + 1% relative) for every `tableStride`-th table value and every
 * `relationStride`-th operator parameter. A parameter without a gradient slot must have a
 * numeric gradient of 0.
 */
export async function expectGradientsMatchDifferences(
  model: TwhinModel,
  step: TwhinStep,
  batch: EdgeBatch,
  options: GradientCheckOptions,
): Promise<void> {
  const loss = () => step.computeGradients(batch, new Rng(5));
  await loss();
  const analytic = new Map<string, number>();
  const dim = model.dim;
  model.tables.forEach((_, t) => {
    const grads = step.tableGrads[t]!;
    for (let s = 0; s < grads.count; s++)
      for (let d = 0; d < dim; d++)
        analytic.set(`${t}:${grads.rowIds[s]! * dim + d}`, grads.grads[s * dim + d]!);
  });
  const relationGrads = step.relationGrads;
  for (let s = 0; s < relationGrads.count; s++)
    for (let d = 0; d < dim; d++)
      analytic.set(`r:${relationGrads.rowIds[s]! * dim + d}`, relationGrads.grads[s * dim + d]!);
  const eps = 1e-3;
  const check = async (array: Float32Array, index: number, key: string) => {
    const saved = array[index]!;
    array[index] = saved + eps;
    const up = await loss();
    array[index] = saved - eps;
    const down = await loss();
    array[index] = saved;
    const numeric = (up - down) / (2 * eps);
    const value = analytic.get(key) ?? 0;
    expect(Math.abs(value - numeric), `${key}: analytic ${value} numeric ${numeric}`).toBeLessThan(
      2e-4 + 1e-2 * Math.abs(numeric),
    );
  };
  for (const [t, table] of model.tables.entries()) {
    for (let i = 0; i < table.stored.length; i += options.tableStride)
      await check(table.toFloat32(), i, `${t}:${i}`);
  }
  if (options.relationStride > 0)
    for (let i = 0; i < model.relationParams.length; i += options.relationStride)
      await check(model.relationParams, i, `r:${i}`);
}
