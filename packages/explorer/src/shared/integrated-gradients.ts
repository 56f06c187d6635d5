import * as tf from "@tensorflow/tfjs-core";
import type { FeatureGroup } from "./explorer-manifest.js";

/** The part of a tfjs GraphModel attribution needs: run the graph for its `logits` output. */
export interface LogitModel {
  execute(inputs: Record<string, tf.Tensor>, outputs: string): tf.Tensor | tf.Tensor[];
}

/** One row of model inputs: each feature group's values (float32, or int32 for discrete ids). */
export type FeatureRow = Record<string, Float32Array | Int32Array>;

/** Integrated-gradients attributions of one task's logit. */
export interface TaskAttribution {
  task: string;
  /** The item's logit and the baseline's. */
  logit: number;
  baselineLogit: number;
  /** Sum of the attributions of each float feature group. */
  groups: Record<string, number>;
  /** Attribution of every input value of each float feature group. */
  features: Record<string, Float32Array>;
  /** Σ attributions − (logit − baselineLogit): zero for exact integrated gradients. */
  completenessGap: number;
}

/** Attributions of every task, with the integration intervals each task's path needed. */
export interface Attributions {
  /** Intervals of the refined trapezoid rule, per task. */
  intervals: number[];
  tasks: TaskAttribution[];
}

/** Options of `integratedGradients`. */
export interface IntegratedGradientsOptions {
  /** Largest |completeness gap| accepted before refining (default 1e-4). */
  tolerance?: number;
  /** Equal intervals of the first pass (default 16). */
  initialIntervals?: number;
  /** Intervals per task never exceeded (default 4096): the result then reports its gap as it is. */
  maxIntervals?: number;
}

/**
 * Integrated gradients (Sundararajan et al. 2017) of every task logit of one item against a
 * baseline row: attribution_i = (x_i − x'_i) · ∫₀¹ ∂logit/∂x_i (x' + α(x − x')) dα.
 *
 * The integral is a trapezoid rule on a refined grid of α. ReLU kinks make the gradient jump
 * along the path, where a uniform rule converges only as 1/intervals; but on every interval the
 * exact integral of (x − x')·∇logit is known: logit(α_{k+1}) − logit(α_k). Intervals whose
 * trapezoid misses it by more than their share of `tolerance` are halved, until the whole gap
 * (Σ_i attribution_i − (logit(x) − logit(x')), completeness) is within `tolerance`.
 * Discrete (int32) groups are not interpolated: they keep the item's ids along the path, so they
 * get no attribution and the baseline logit is taken with the item's ids. Each pass evaluates
 * only the new points, of all tasks, as one batch with one backward pass (rows are independent
 * in inference mode); the sums run in float64.
 */
export function integratedGradients(
  model: LogitModel,
  groups: readonly FeatureGroup[],
  tasks: readonly string[],
  item: FeatureRow,
  baseline: FeatureRow,
  options: IntegratedGradientsOptions = {},
): Attributions {
  const tolerance = options.tolerance ?? 1e-4;
  const maxIntervals = options.maxIntervals ?? 4096;
  const first = options.initialIntervals ?? 16;
  const floatGroups = groups.filter((group) => group.dtype === "float32");
  const deltas = floatGroups.map((group) =>
    Float64Array.from(
      item[group.name] as Float32Array,
      (value, i) => value - ((baseline[group.name] as Float32Array)[i] as number),
    ),
  );
  const endpoints = endpointLogits(model, groups, item, baseline, tasks.length);
  const uniform = Array.from({ length: first + 1 }, (_, k) => k / first);
  let paths = evaluatePoints(
    model,
    groups,
    item,
    baseline,
    deltas,
    tasks.map(() => uniform),
  );
  for (;;) {
    const results = tasks.map((task, t) =>
      attribute(task, paths[t] as PathPoint[], floatGroups, deltas, endpoints, t),
    );
    const wanted = results.map((result, t) =>
      Math.abs(result.attribution.completenessGap) <= tolerance
        ? []
        : midpoints(paths[t] as PathPoint[], result.intervalGaps, tolerance, maxIntervals),
    );
    if (wanted.every((alphas) => alphas.length === 0)) {
      return {
        intervals: paths.map((path) => path.length - 1),
        tasks: results.map((result) => result.attribution),
      };
    }
    const fresh = evaluatePoints(model, groups, item, baseline, deltas, wanted);
    paths = paths.map((path, t) =>
      [...path, ...(fresh[t] as PathPoint[])].sort((a, b) => a.alpha - b.alpha),
    );
  }
}

/** One point of a task's path: α, the task's logit there, d logit/dα, and ∇logit per float group. */
interface PathPoint {
  alpha: number;
  logit: number;
  slope: number;
  gradients: Float32Array[];
}

/**
 * Midpoints of the intervals whose own gap exceeds their share of the tolerance (and a float32
 * noise floor), and always of the worst one, within the interval budget.
 */
function midpoints(
  path: readonly PathPoint[],
  intervalGaps: Float64Array,
  tolerance: number,
  maxIntervals: number,
): number[] {
  const intervals = path.length - 1;
  // Float32 logits carry noise of ~1e-7 per point: gaps below the floor are not worth splitting.
  const share = Math.max(tolerance / (4 * intervals), 1e-6);
  const worst = Math.max(...Array.from(intervalGaps, Math.abs));
  const out: number[] = [];
  for (let k = 0; k < intervals && intervals + out.length < maxIntervals; k++) {
    const gap = Math.abs(intervalGaps[k] as number);
    if (gap > share || gap === worst)
      out.push(((path[k] as PathPoint).alpha + (path[k + 1] as PathPoint).alpha) / 2);
  }
  return out;
}

/** The trapezoid rule over a task's path: attributions, completeness gap and each interval's gap. */
function attribute(
  task: string,
  path: readonly PathPoint[],
  floatGroups: readonly FeatureGroup[],
  deltas: readonly Float64Array[],
  endpoints: { item: Float32Array; baseline: Float32Array },
  taskIndex: number,
): { attribution: TaskAttribution; intervalGaps: Float64Array } {
  const groupSums: Record<string, number> = {};
  const features: Record<string, Float32Array> = {};
  let total = 0;
  floatGroups.forEach((group, index) => {
    const integral = new Float64Array(group.width);
    path.forEach((point, k) => {
      const left = k > 0 ? point.alpha - (path[k - 1] as PathPoint).alpha : 0;
      const right = k < path.length - 1 ? (path[k + 1] as PathPoint).alpha - point.alpha : 0;
      const weight = (left + right) / 2;
      const gradient = point.gradients[index] as Float32Array;
      for (let i = 0; i < group.width; i++)
        integral[i] = (integral[i] as number) + weight * (gradient[i] as number);
    });
    const delta = deltas[index] as Float64Array;
    const values = Float32Array.from(integral, (value, i) => value * (delta[i] as number));
    let sum = 0;
    for (let i = 0; i < group.width; i++) sum += (integral[i] as number) * (delta[i] as number);
    groupSums[group.name] = sum;
    features[group.name] = values;
    total += sum;
  });
  const intervalGaps = new Float64Array(path.length - 1);
  for (let k = 0; k < path.length - 1; k++) {
    const [a, b] = [path[k] as PathPoint, path[k + 1] as PathPoint];
    intervalGaps[k] = ((b.alpha - a.alpha) / 2) * (a.slope + b.slope) - (b.logit - a.logit);
  }
  const logit = endpoints.item[taskIndex] as number;
  const baselineLogit = endpoints.baseline[taskIndex] as number;
  return {
    attribution: {
      task,
      logit,
      baselineLogit,
      groups: groupSums,
      features,
      completenessGap: total - (logit - baselineLogit),
    },
    intervalGaps,
  };
}

/** Logits of the item and of the baseline (with the item's discrete ids): two T-vectors. */
function endpointLogits(
  model: LogitModel,
  groups: readonly FeatureGroup[],
  item: FeatureRow,
  baseline: FeatureRow,
  taskCount: number,
): { item: Float32Array; baseline: Float32Array } {
  const values = tf.tidy(() => {
    const feeds: Record<string, tf.Tensor> = {};
    for (const group of groups) {
      const own = rowTensor(group, item);
      // [2, width]: row 0 the baseline, row 1 the item.
      feeds[group.name] =
        group.dtype === "int32"
          ? tf.tile(own, [2, 1])
          : tf.concat([rowTensor(group, baseline), own]);
    }
    return model.execute(feeds, "logits") as tf.Tensor;
  });
  const logits = values.dataSync() as Float32Array;
  values.dispose();
  return { baseline: logits.slice(0, taskCount), item: logits.slice(taskCount, 2 * taskCount) };
}

function rowTensor(group: FeatureGroup, row: FeatureRow): tf.Tensor2D {
  const values = row[group.name];
  if (!values || values.length !== group.width) {
    throw new Error(`feature group ${group.name}: expected ${group.width} values`);
  }
  return tf.tensor2d(values, [1, group.width], group.dtype);
}

/**
 * Evaluates the points `alphas[t]` of every task t's path in one batch: each row's own task logit
 * and its gradient per float group (one backward pass), and d logit/dα = ∇logit · (x − x').
 */
function evaluatePoints(
  model: LogitModel,
  groups: readonly FeatureGroup[],
  item: FeatureRow,
  baseline: FeatureRow,
  deltas: readonly Float64Array[],
  alphas: readonly (readonly number[])[],
): PathPoint[][] {
  const taskCount = alphas.length;
  const rows = alphas.reduce((sum, list) => sum + list.length, 0);
  if (rows === 0) return alphas.map(() => []);
  const floatGroups = groups.filter((group) => group.dtype === "float32");
  const flatAlphas = Float32Array.from(alphas.flat());
  // [rows, T]: row r selects its own task's logit.
  const selection = new Float32Array(rows * taskCount);
  let row = 0;
  alphas.forEach((list, task) => {
    for (let k = 0; k < list.length; k++) selection[row++ * taskCount + task] = 1;
  });
  const [logits, ...gradients] = tf.tidy(() => {
    const alpha = tf.tensor2d(flatAlphas, [rows, 1]);
    // x' + α (x − x'): [rows, width] per float group.
    const paths = floatGroups.map((group) => {
      const start = rowTensor(group, baseline);
      return tf.add(start, tf.mul(alpha, tf.sub(rowTensor(group, item), start))) as tf.Tensor2D;
    });
    const select = tf.tensor2d(selection, [rows, taskCount]);
    const ownLogits = (...inputs: tf.Tensor[]): tf.Tensor1D => {
      const feeds: Record<string, tf.Tensor> = {};
      for (const group of groups) {
        if (group.dtype === "int32") feeds[group.name] = tf.tile(rowTensor(group, item), [rows, 1]);
      }
      floatGroups.forEach((group, index) => {
        feeds[group.name] = inputs[index] as tf.Tensor;
      });
      const all = model.execute(feeds, "logits") as tf.Tensor2D; // [rows, T]
      return tf.sum(tf.mul(all, select), 1); // [rows]
    };
    const grads = tf.grads((...inputs: tf.Tensor[]) => tf.sum(ownLogits(...inputs)))(paths);
    return [ownLogits(...paths), ...grads];
  });
  const logitValues = (logits as tf.Tensor).dataSync() as Float32Array;
  const gradientValues = gradients.map((tensor) => tensor.dataSync() as Float32Array);
  tf.dispose([logits as tf.Tensor, ...gradients]);
  row = 0;
  return alphas.map((list) =>
    list.map((alpha) => {
      const own = floatGroups.map((group, index) =>
        (gradientValues[index] as Float32Array).slice(row * group.width, (row + 1) * group.width),
      );
      let slope = 0;
      own.forEach((gradient, index) => {
        const delta = deltas[index] as Float64Array;
        for (let i = 0; i < gradient.length; i++)
          slope += (gradient[i] as number) * (delta[i] as number);
      });
      const point = { alpha, logit: logitValues[row] as number, slope, gradients: own };
      row++;
      return point;
    }),
  );
}
