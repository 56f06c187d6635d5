// The speed tables of the READMEs, rendered from bench/results/latest.json (what `pnpm bench`
// wrote), so that every README shows the same figures with their date, commit and machine.
// `node bench/readme-tables.mjs` rewrites the marked blocks; readme-tables.test.mjs fails when a
// README's block differs from what latest.json renders. No I/O here.

/**
 * The rows of one README table: `case` names a row of latest.json, `label` says what it measures
 * (optimizer, batch, engine), `target` the goal of the case, if any.
 */
export const README_TABLES = {
  speed: [
    {
      case: "heavy_ranker_train_full_samples_per_s",
      label: "Heavy Ranker local_prod, train (batch 512, Adam)",
      target: "≥ 1.2",
    },
    {
      case: "heavy_ranker_train_small_samples_per_s",
      label: "Heavy Ranker local_small, train (batch 64, Adam)",
      target: "≥ 1.2",
    },
    {
      case: "heavy_ranker_infer_full_samples_per_s",
      label: "Heavy Ranker local_prod, scoring, tfjs engine (batch 512)",
    },
    {
      case: "heavy_ranker_infer_full_samples_per_s@onnx-fp32",
      label: "Heavy Ranker local_prod, scoring, ONNX fp32 (batch 512)",
      target: "≥ 1.1",
    },
    {
      case: "heavy_ranker_infer_full_samples_per_s@onnx-int8",
      label: "Heavy Ranker local_prod, scoring, ONNX int8 (batch 512)",
      target: "≥ 3 (against fp32 PyTorch)",
    },
    {
      case: "heavy_ranker_infer_small_samples_per_s@onnx-fp32",
      label: "Heavy Ranker local_small, scoring, ONNX fp32 (batch 64)",
    },
    {
      case: "heavy_ranker_infer_small_samples_per_s@onnx-int8",
      label: "Heavy Ranker local_small, scoring, ONNX int8 (batch 64)",
    },
    {
      case: "frappe_masknet_epoch_s",
      label: "Frappe MaskNet, one epoch end to end (s, lower is better)",
    },
    ...twhinRows(),
    { case: "sgemm_2048_gflops", label: "sgemm 2048³, onnxruntime (the roofline)" },
    { case: "sgemm_2048_gflops@platform-blas", label: "sgemm 2048³, OpenBLAS through koffi" },
    { case: "matmul_2048_gflops", label: "matmul 2048³ through the engine" },
  ],
  twhin: twhinRows(),
  parquet: [
    {
      case: "parquet-read",
      label: "`parquet-read`: rows read into typed-array column batches",
      target: "≥ 2 M rows/s",
    },
    {
      case: "parquet-read@dataset",
      label: "`parquet-read@dataset`: rows delivered as 1024-row `Dataset` batches",
      target: "≥ 2 M rows/s",
    },
  ],
  scoring: [
    {
      case: "heavy_ranker_infer_full_samples_per_s",
      label: "local_prod (batch 512), tfjs engine (`model.apply`)",
    },
    {
      case: "heavy_ranker_infer_full_samples_per_s@onnx-fp32",
      label: "local_prod (batch 512), ONNX fp32 (`OnnxScorer`)",
    },
    {
      case: "heavy_ranker_infer_full_samples_per_s@onnx-int8",
      label: 'local_prod (batch 512), ONNX int8 (`precision: "int8"`)',
    },
    {
      case: "heavy_ranker_infer_small_samples_per_s",
      label: "local_small (batch 64), tfjs engine",
    },
    {
      case: "heavy_ranker_infer_small_samples_per_s@onnx-fp32",
      label: "local_small (batch 64), ONNX fp32",
    },
    {
      case: "heavy_ranker_infer_small_samples_per_s@onnx-int8",
      label: "local_small (batch 64), ONNX int8",
    },
  ],
};

function twhinRows() {
  return [
    {
      case: "twhin_train_edges_per_s",
      label: "TwHIN 1M × 200, row-sparse SGD, batch 500 per worker",
      target: "≥ 3",
    },
    {
      case: "twhin_train_edges_per_s@adagrad",
      label: "TwHIN 1M × 200, row-wise Adagrad (PyTorch: element-wise)",
      target: "≥ 3",
    },
    {
      case: "twhin_train_10m_rows_edges_per_s",
      label:
        "TwHIN 10M × 200 table (8 GB, shared by the workers), row-wise Adagrad, batch 500 per worker",
      target: "trains on all cores",
    },
    {
      case: "twhin_train_1vsall_edges_per_s",
      label:
        "TwHIN 1vsAll at FB15k-237's shape (ComplEx-N3, 14,541 × 512, batch 1,000; PyTorch: kbc's step)",
      target: "—",
    },
    {
      case: "twhin_eval_queries_per_s",
      label: "TwHIN filtered ranking against 1M × 200",
      target: "≥ 300 queries/s",
    },
  ];
}

const DASH = "—";

/** A figure as the READMEs print it: thousands separators from 100 up, else 3 significant digits. */
export function formatFigure(value) {
  if (value === undefined || value === null || !Number.isFinite(value)) return DASH;
  if (Math.abs(value) >= 100) return Math.round(value).toLocaleString("en-US");
  return Number(value.toPrecision(3)).toString();
}

const fixed = (value, digits) =>
  value === undefined || value === null || !Number.isFinite(value) ? DASH : value.toFixed(digits);

/** The line that says which command, when, on which commit and machine the figures were taken. */
export function provenanceLine(results) {
  const { machine, date, durationSeconds, peaks } = results;
  const when = `${date.slice(0, 10)} ${date.slice(11, 16)} UTC`;
  const peak = peaks?.machine
    ? `; peak ${formatFigure(peaks.machine.gflops)} GFLOP/s (best sgemm 2048³ of the run: ${peaks.machine.source})`
    : "";
  return `Measured by \`pnpm bench\` (bench/results/latest.json), ${when}, commit ${machine.commit}, ${machine.cpu} with ${machine.nproc} cores, Node ${machine.node}, load average ${machine.loadAverage.split(" ")[0]} → ${machine.loadAverageAtEnd.split(" ")[0]}; the whole bench took ${Math.round(durationSeconds / 60)} minutes${peak}.`;
}

/**
 * One README table (`README_TABLES[name]`) from a latest.json report: every core, one thread,
 * scaling, GFLOP/s (% of the run's peak), PyTorch's fastest setting, the ratio and the target.
 * A case missing from the report is an error (the table would silently lose a row).
 */
export function readmeTable(name, results) {
  const rows = README_TABLES[name];
  if (!rows) throw new Error(`no README table "${name}"`);
  const byName = new Map(results.cases.map((row) => [row.name, row]));
  const lines = [
    provenanceLine(results),
    "",
    "| case | tml-ts, every core | tml-ts, 1 thread | scaling | GFLOP/s (% of peak) | PyTorch best (setting) | ratio | target |",
    "|---|---:|---:|---:|---:|---:|---:|---|",
  ];
  for (const { case: caseName, label, target } of rows) {
    const row = byName.get(caseName);
    if (!row) throw new Error(`bench/results/latest.json has no case ${caseName}`);
    const single = byName.get(`${caseName}@threads1`);
    const gflops =
      row.gflops === undefined
        ? DASH
        : `${Math.round(row.gflops)} (${Math.round(row.peakPercent)}%)`;
    const reference =
      row.reference === undefined
        ? DASH
        : `${formatFigure(row.reference)} (${row.referenceSetting})`;
    const ratio = row.ratio === undefined ? DASH : `**${fixed(row.ratio, 2)}**`;
    lines.push(
      `| ${label} | ${formatFigure(row.value)} ${row.unit} | ${formatFigure(single?.value)} | ${fixed(row.scaling, 2)} | ${gflops} | ${reference} | ${ratio} | ${target ?? DASH} |`,
    );
  }
  return lines.join("\n");
}

/** The markers around a generated block in a README. */
export function blockMarkers(name) {
  return {
    begin: `<!-- bench-table:${name} (generated by node bench/readme-tables.mjs from bench/results/latest.json; do not edit) -->`,
    end: `<!-- /bench-table:${name} -->`,
  };
}

/** The README text with the block `name` replaced; an error when the markers are missing. */
export function replaceBlock(text, name, content) {
  const { begin, end } = blockMarkers(name);
  const start = text.indexOf(begin);
  const stop = text.indexOf(end);
  if (start < 0 || stop < start) throw new Error(`no ${begin} … ${end} block`);
  return `${text.slice(0, start + begin.length)}\n${content}\n${text.slice(stop)}`;
}

/** Which README holds which generated table (paths from the repository root). */
export const README_BLOCKS = [
  { readme: "README.md", table: "speed" },
  { readme: "packages/twhin/README.md", table: "twhin" },
  { readme: "packages/heavy-ranker/README.md", table: "scoring" },
  { readme: "packages/data-io/README.md", table: "parquet" },
];
