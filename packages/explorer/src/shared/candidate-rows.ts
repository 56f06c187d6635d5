import type { RankerManifest } from "./explorer-manifest.js";
import type { FeatureRow } from "./integrated-gradients.js";

/** Candidate `row` of the manifest as one model input row (int32 for discrete groups). */
export function candidateRow(ranker: RankerManifest, row: number): FeatureRow {
  const values: FeatureRow = {};
  for (const group of ranker.groups) {
    const slice = (ranker.candidates[group.name] as number[]).slice(
      row * group.width,
      (row + 1) * group.width,
    );
    values[group.name] =
      group.dtype === "int32" ? Int32Array.from(slice) : Float32Array.from(slice);
  }
  return values;
}

/**
 * The integrated-gradients baseline for `item`: each float group's candidate mean; discrete
 * groups keep the item's ids.
 */
export function baselineRow(ranker: RankerManifest, item: FeatureRow): FeatureRow {
  const values: FeatureRow = {};
  for (const group of ranker.groups) {
    const mean = ranker.baseline[group.name];
    values[group.name] = mean ? Float32Array.from(mean) : (item[group.name] as Int32Array);
  }
  return values;
}
