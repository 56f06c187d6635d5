/** A vega-lite specification (plain JSON); rendered by `renderSvg`. */
export type ChartSpec = Record<string, unknown>;

/** One named series of (x, y) points, e.g. the loss of one run or the ROC curve of one task. */
export interface Series {
  name: string;
  x: ArrayLike<number>;
  y: ArrayLike<number>;
}

const SCHEMA = "https://vega.github.io/schema/vega-lite/v6.json";
const SIZE = { width: 420, height: 280 };

function rows(series: readonly Series[]): { series: string; x: number; y: number }[] {
  const out: { series: string; x: number; y: number }[] = [];
  for (const s of series) {
    const n = Math.min(s.x.length, s.y.length);
    for (let i = 0; i < n; i++) {
      const x = s.x[i] as number;
      const y = s.y[i] as number;
      if (Number.isFinite(x) && Number.isFinite(y)) out.push({ series: s.name, x, y });
    }
  }
  return out;
}

function axes(xTitle: string, yTitle: string, domain?: [number, number]) {
  const scale = domain ? { domain } : { zero: false };
  return {
    x: { field: "x", type: "quantitative", title: xTitle, scale },
    y: { field: "y", type: "quantitative", title: yTitle, scale },
    color: { field: "series", type: "nominal", title: null },
  };
}

/** Line chart of one or more series (loss or metric over training steps). */
export function lineChart(
  title: string,
  series: readonly Series[],
  xTitle = "step",
  yTitle = "value",
): ChartSpec {
  return {
    $schema: SCHEMA,
    title,
    ...SIZE,
    data: { values: rows(series) },
    mark: { type: "line", interpolate: "linear" },
    encoding: axes(xTitle, yTitle),
  };
}

// The y = x reference line of ROC and reliability plots.
const DIAGONAL = {
  data: {
    values: [
      { x: 0, y: 0 },
      { x: 1, y: 1 },
    ],
  },
  mark: { type: "line", strokeDash: [4, 4], color: "#999" },
  encoding: { x: { field: "x", type: "quantitative" }, y: { field: "y", type: "quantitative" } },
};

/** ROC curves (x = false-positive rate, y = true-positive rate) with the chance diagonal. */
export function rocChart(title: string, series: readonly Series[]): ChartSpec {
  return {
    $schema: SCHEMA,
    title,
    ...SIZE,
    layer: [
      DIAGONAL,
      {
        data: { values: rows(series) },
        mark: "line",
        encoding: axes("false-positive rate", "true-positive rate", [0, 1]),
      },
    ],
  };
}

/** Precision–recall curves (x = recall, y = precision). */
export function precisionRecallChart(title: string, series: readonly Series[]): ChartSpec {
  return {
    $schema: SCHEMA,
    title,
    ...SIZE,
    data: { values: rows(series) },
    mark: "line",
    encoding: axes("recall", "precision", [0, 1]),
  };
}

/** Reliability diagram: mean predicted probability (x) against observed positive rate (y). */
export function calibrationChart(title: string, series: readonly Series[]): ChartSpec {
  return {
    $schema: SCHEMA,
    title,
    ...SIZE,
    layer: [
      DIAGONAL,
      {
        data: { values: rows(series) },
        mark: { type: "line", point: true },
        encoding: axes("mean predicted probability", "observed positive rate", [0, 1]),
      },
    ],
  };
}

/** Histogram of raw values (e.g. ranking scores), `bins` equal-width bins. */
export function histogramChart(
  title: string,
  values: ArrayLike<number>,
  xTitle = "value",
  bins = 40,
): ChartSpec {
  const data: { v: number }[] = [];
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (Number.isFinite(v)) data.push({ v });
  }
  return {
    $schema: SCHEMA,
    title,
    ...SIZE,
    data: { values: data },
    mark: "bar",
    encoding: {
      x: { field: "v", type: "quantitative", bin: { maxbins: bins }, title: xTitle },
      y: { aggregate: "count", type: "quantitative", title: "count" },
    },
  };
}

/** Bar chart of named values (e.g. Hits@1/3/10, per-task AUC). */
export function barChart(
  title: string,
  bars: Readonly<Record<string, number>>,
  yTitle = "value",
): ChartSpec {
  return {
    $schema: SCHEMA,
    title,
    ...SIZE,
    data: { values: Object.entries(bars).map(([name, value]) => ({ name, value })) },
    mark: "bar",
    encoding: {
      x: { field: "name", type: "nominal", title: null, sort: null },
      y: { field: "value", type: "quantitative", title: yTitle },
    },
  };
}
