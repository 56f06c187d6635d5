// Pure arithmetic of the bench report: medians, which way a unit is better, ratios, achieved
// GFLOP/s, the fastest reference setting and the machine's measured sgemm peak. No I/O (tested
// by figures.test.mjs).

/** Median of a non-empty list of numbers. */
export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** Seconds per time unit; a unit not listed here must be a throughput ("…/s"). */
export const SECONDS_PER_UNIT = { ms: 1e-3, "ms/step": 1e-3, "ms/batch": 1e-3, s: 1 };

/** Throughput units ("…/s", GFLOP/s included) are better higher; time units lower. */
export function higherIsBetter(unit) {
  return unit.endsWith("/s");
}

/** Whether `unit` is one the bench can compare: a throughput or a time in SECONDS_PER_UNIT. */
export function isKnownUnit(unit) {
  return typeof unit === "string" && (higherIsBetter(unit) || unit in SECONDS_PER_UNIT);
}

/** How many times faster figure `a` is than figure `b` in `unit` (> 1: a is faster). */
export function timesFaster(a, b, unit) {
  return higherIsBetter(unit) ? a / b : b / a;
}

/**
 * Achieved GFLOP/s of a figure, or undefined when its arithmetic is unknown:
 * a "GFLOP/s" figure is its own; a time figure divides `gflopsPerRun` (GFLOP of one run) by the
 * time; a throughput figure ("samples/s", "queries/s") multiplies by `flopsPerItem` (FLOP per
 * sample, query, …).
 */
export function achievedGflops(value, unit, { gflopsPerRun, flopsPerItem } = {}) {
  if (value === undefined || !Number.isFinite(value)) return undefined;
  if (unit === "GFLOP/s") return value;
  if (unit in SECONDS_PER_UNIT)
    return gflopsPerRun === undefined ? undefined : gflopsPerRun / (value * SECONDS_PER_UNIT[unit]);
  return flopsPerItem === undefined ? undefined : (value * flopsPerItem) / 1e9;
}

/**
 * The fastest of a case's reference figures, one per thread setting (`{ setting: value }`):
 * `{ setting, value }`, or undefined when there is none.
 */
export function fastestSetting(figures, unit) {
  let best;
  for (const [setting, value] of Object.entries(figures)) {
    if (!Number.isFinite(value)) continue;
    if (best === undefined || timesFaster(value, best.value, unit) > 1) best = { setting, value };
  }
  return best;
}

/**
 * The measured sgemm peaks from the roofline rows (every variant of the sgemm case, default and
 * `@threads1`): `machine` is the fastest 2048³ product seen in any of them or in any PyTorch
 * setting of their reference (OpenBLAS), `oneThread` the fastest on one thread (rows that ran on
 * one, PyTorch's "threads1"). A peak is the best repeat seen, not a median: on a shared machine
 * the median of a roofline run under load would put other cases above 100%. A row counts its
 * `values` (else `value`) and `referenceBestSettings` (else `referenceSettings`). Each peak is
 * `{ gflops, source }` or undefined.
 */
export function measuredPeaks(rooflineRows) {
  const candidates = [];
  const add = (gflops, source, oneThread) => {
    if (Number.isFinite(gflops)) candidates.push({ gflops, source, oneThread });
  };
  for (const row of rooflineRows) {
    const best = row.values?.length ? Math.max(...row.values) : row.value;
    const threads = row.engineThreads;
    add(best, `${row.engine}, ${threads} thread${threads === 1 ? "" : "s"}`, threads === 1);
    const figures = row.referenceBestSettings ?? row.referenceSettings ?? {};
    for (const [setting, gflops] of Object.entries(figures))
      add(gflops, `OpenBLAS through PyTorch (${setting})`, setting === "threads1");
  }
  const fastest = (list) =>
    list.reduce(
      (top, next) => (top === undefined || next.gflops > top.gflops ? next : top),
      undefined,
    );
  const strip = (peak) => (peak ? { gflops: peak.gflops, source: peak.source } : undefined);
  return {
    machine: strip(fastest(candidates)),
    oneThread: strip(fastest(candidates.filter((candidate) => candidate.oneThread))),
  };
}
