import { ConfigError, type Rng } from "@tml/core";
import type { RecapTaskDefault } from "./recap-tasks.js";

/** Where the informative features may sit: inside what local_prod keeps after TruncateAndSlice. */
const CONTINUOUS_WINDOW = 2117;
const BINARY_WINDOW = 59;

/** Shape of the hidden model planted in the Heavy Ranker data. */
export interface PlantedModelOptions {
  /** Informative continuous columns (log-normal values whose log enters the logit). Default 32. */
  informativeContinuous?: number;
  /** Informative binary columns. Default 12. */
  informativeBinary?: number;
  /** Pairwise products of informative features in the logit. Default 8. */
  interactions?: number;
  /** Standard deviation of each task's logit around its intercept. Default 1.6. */
  signalStd?: number;
  /** Fraction of the logit variance carried by the user–author embedding affinity. Default 0.4. */
  affinityShare?: number;
}

/**
 * The hidden per-task logistic model behind the generated labels. Its feature vector φ has, in
 * order: the standardized logs of the informative continuous values, the standardized informative
 * binaries, `pairs` products of two earlier entries, and the standardized user–author embedding
 * dot product. logit_t = intercepts[t] + Σ_d weights[t·D + d]·φ_d with D = `featureCount`.
 */
export interface PlantedRankerModel {
  taskNames: string[];
  targetRates: Float64Array;
  /** Positions in the continuous vector; value = exp(logMean + logStd·z), z ~ N(0, 1). */
  continuousColumns: Int32Array;
  logMean: Float64Array;
  logStd: Float64Array;
  /** Positions in the binary vector and their Bernoulli rates. */
  binaryColumns: Int32Array;
  binaryRates: Float64Array;
  /** Flattened (i, j) index pairs into φ for the interaction terms. */
  pairs: Int32Array;
  featureCount: number;
  weights: Float64Array;
  intercepts: Float64Array;
  /** Mean and standard deviation of the raw affinity, to standardize it (set by `calibrate`). */
  affinityMean: number;
  affinityStd: number;
}

/** Draws the hidden model's structure and weights; intercepts stay 0 until `calibrateModel`. */
export function createPlantedModel(
  rng: Rng,
  tasks: readonly RecapTaskDefault[],
  layout: { continuous: number; binary: number },
  options: PlantedModelOptions = {},
): PlantedRankerModel {
  const nc = options.informativeContinuous ?? 32;
  const nb = options.informativeBinary ?? 12;
  const np = options.interactions ?? 8;
  const signalStd = options.signalStd ?? 1.6;
  const affinityShare = options.affinityShare ?? 0.4;
  if (
    nc > Math.min(layout.continuous, CONTINUOUS_WINDOW) ||
    nb > Math.min(layout.binary, BINARY_WINDOW)
  ) {
    throw new ConfigError(
      `generator: ${nc} informative continuous / ${nb} binary columns do not fit the first ` +
        `${Math.min(layout.continuous, CONTINUOUS_WINDOW)} / ${Math.min(layout.binary, BINARY_WINDOW)} columns`,
    );
  }
  if (!(affinityShare >= 0 && affinityShare <= 1) || !(signalStd >= 0)) {
    throw new ConfigError("generator: affinityShare must be in [0, 1] and signalStd ≥ 0");
  }
  const continuousColumns = pickSorted(rng, Math.min(layout.continuous, CONTINUOUS_WINDOW), nc);
  const binaryColumns = pickSorted(rng, Math.min(layout.binary, BINARY_WINDOW), nb);
  const logMean = Float64Array.from({ length: nc }, () => rng.uniform(0, 4));
  const logStd = Float64Array.from({ length: nc }, () => rng.uniform(0.5, 1.5));
  const binaryRates = Float64Array.from({ length: nb }, () => rng.uniform(0.05, 0.5));
  const base = nc + nb;
  const pairs = new Int32Array(2 * np);
  for (let k = 0; k < np && base >= 2; k++) {
    const i = rng.int(base);
    let j = rng.int(base - 1);
    if (j >= i) j++;
    pairs[2 * k] = i;
    pairs[2 * k + 1] = j;
  }
  const featureCount = base + np + 1;
  const own = featureCount - 1;
  const shared = sparseNormal(rng, own, 0.5);
  const weights = new Float64Array(tasks.length * featureCount);
  tasks.forEach((task, t) => {
    const row = sparseNormal(rng, own, 0.3);
    for (let d = 0; d < own; d++)
      row[d] = (row[d] as number) + task.direction * (shared[d] as number);
    const norm = Math.hypot(...row) || 1;
    const scale = (Math.sqrt(1 - affinityShare) * signalStd) / norm;
    for (let d = 0; d < own; d++) weights[t * featureCount + d] = (row[d] as number) * scale;
    weights[t * featureCount + own] = task.direction * Math.sqrt(affinityShare) * signalStd;
  });
  return {
    taskNames: tasks.map((task) => task.name),
    targetRates: Float64Array.from(tasks, (task) => task.rate),
    continuousColumns,
    logMean,
    logStd,
    binaryColumns,
    binaryRates,
    pairs,
    featureCount,
    weights,
    intercepts: new Float64Array(tasks.length),
    affinityMean: 0,
    affinityStd: 1,
  };
}

/**
 * Fills φ (length `featureCount`) from one row's informative values: `z` the standard normals of
 * the continuous columns, `bits` the informative binaries, `affinity` the raw embedding dot product.
 */
export function fillFeatures(
  model: PlantedRankerModel,
  z: Float64Array,
  bits: Uint8Array,
  affinity: number,
  phi: Float64Array,
): void {
  const nc = z.length;
  for (let i = 0; i < nc; i++) phi[i] = z[i] as number;
  for (let k = 0; k < bits.length; k++) {
    const rate = model.binaryRates[k] as number;
    phi[nc + k] = ((bits[k] as number) - rate) / Math.sqrt(rate * (1 - rate));
  }
  const base = nc + bits.length;
  const np = model.pairs.length / 2;
  for (let k = 0; k < np; k++) {
    phi[base + k] =
      (phi[model.pairs[2 * k] as number] as number) *
      (phi[model.pairs[2 * k + 1] as number] as number);
  }
  phi[model.featureCount - 1] = (affinity - model.affinityMean) / model.affinityStd;
}

/** logit of task `t` for the feature vector φ. */
export function taskLogit(model: PlantedRankerModel, t: number, phi: Float64Array): number {
  const offset = t * model.featureCount;
  let logit = model.intercepts[t] as number;
  for (let d = 0; d < model.featureCount; d++)
    logit += (model.weights[offset + d] as number) * (phi[d] as number);
  return logit;
}

/**
 * Sets the affinity standardization from a sample of raw affinities, then each task's intercept
 * by Newton's method so that the mean probability over the sample equals the task's target rate.
 * `partialScores[t][r]` is row r's logit for task t without intercept and affinity term.
 */
export function calibrateModel(
  model: PlantedRankerModel,
  partialScores: Float64Array[],
  affinities: Float64Array,
): void {
  const rows = affinities.length;
  let mean = 0;
  for (const a of affinities) mean += a;
  mean /= rows;
  let variance = 0;
  for (const a of affinities) variance += (a - mean) ** 2;
  model.affinityMean = mean;
  model.affinityStd = Math.sqrt(variance / rows) || 1;
  const D = model.featureCount;
  const scores = new Float64Array(rows);
  model.taskNames.forEach((_, t) => {
    const partial = partialScores[t] as Float64Array;
    const affinityWeight = model.weights[t * D + D - 1] as number;
    for (let r = 0; r < rows; r++) {
      scores[r] =
        (partial[r] as number) +
        (affinityWeight * ((affinities[r] as number) - mean)) / model.affinityStd;
    }
    const target = model.targetRates[t] as number;
    // Newton's method on the monotone mean-probability curve, started at logit(target).
    let intercept = Math.log(target / (1 - target));
    for (let iteration = 0; iteration < 50; iteration++) {
      let total = 0;
      let slope = 0;
      for (const score of scores) {
        const p = 1 / (1 + Math.exp(-(score + intercept)));
        total += p;
        slope += p * (1 - p);
      }
      const step = (total / rows - target) / Math.max(slope / rows, 1e-12);
      intercept = Math.min(30, Math.max(-30, intercept - step));
      if (Math.abs(step) < 1e-10) break;
    }
    model.intercepts[t] = intercept;
  });
}

function pickSorted(rng: Rng, range: number, count: number): Int32Array {
  const all = Int32Array.from({ length: range }, (_, i) => i);
  rng.shuffle(all);
  return all.slice(0, count).sort();
}

function sparseNormal(rng: Rng, length: number, density: number): Float64Array {
  const values = new Float64Array(length);
  for (let d = 0; d < length; d++) values[d] = rng.next() < density ? rng.normal() : 0;
  return values;
}
