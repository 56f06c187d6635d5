// bench/results/latest.md from the report run.mjs writes as latest.json.
import { REFERENCE_SETTINGS } from "./reference.mjs";

const THREADS1 = "@threads1";

const format = (value, digits = 4) =>
  value === undefined || value === null ? "" : Number(value).toPrecision(digits);
const percent = (value) => (value === undefined ? "" : `${value.toFixed(0)}%`);

function referenceLine(reference) {
  if (!reference.available) return `Reference: none (${reference.reason}).`;
  const settings = reference.settings.map((setting) => {
    if (setting.sameAs) return `\`${setting.name}\` = \`${setting.sameAs}\` (${setting.reason})`;
    if (setting.failed) return `\`${setting.name}\` failed (${setting.failed})`;
    return `\`${setting.name}\` (torch ${setting.torchThreads} thread(s), OpenBLAS ${setting.blasThreads ?? "?"})`;
  });
  return `Reference: PyTorch ${reference.torch} (${reference.python}), ${reference.blas}; settings ${settings.join(", ")}.`;
}

function peakLine(peaks) {
  const describe = (peak) =>
    peak ? `${format(peak.gflops)} GFLOP/s (${peak.source})` : "not measured";
  return `Peak (sgemm 2048³, measured): machine ${describe(peaks?.machine)}; one thread ${describe(peaks?.oneThread)}.`;
}

function caseRow(row, single) {
  if (row.skipped) return `| ${row.name} | ${row.unit} | skipped: ${row.skipped} | | | | | | | | |`;
  if (row.error) return `| ${row.name} | ${row.unit} | failed: ${row.error} | | | | | | | | |`;
  const leak = row.tensorGrowth ? ` (LEAK: +${row.tensorGrowth} tensors)` : "";
  const singleValue = single?.error
    ? "failed"
    : single?.skipped
      ? "skipped"
      : format(single?.value);
  return [
    `| ${row.name}${leak}`,
    row.unit,
    `${format(row.value)} (${row.engineThreads ?? "?"} thr)`,
    singleValue,
    format(row.scaling, 3),
    format(row.gflops, 3),
    percent(row.peakPercent),
    format(row.reference),
    row.referenceSetting ?? "",
    format(row.ratio, 3),
    `${format(single?.ratio, 3)} |`,
  ].join(" | ");
}

function settingsRow(row, reference) {
  const figures = row.referenceSettings ?? {};
  const aliases = new Map(
    (reference.settings ?? []).filter((s) => s.sameAs).map((s) => [s.name, s.sameAs]),
  );
  const cells = REFERENCE_SETTINGS.map((setting) =>
    aliases.has(setting) ? `= ${aliases.get(setting)}` : format(figures[setting]),
  );
  let gflops = format(row.referenceGflops, 3);
  if (row.referencePeakPercent !== undefined) gflops += ` (${percent(row.referencePeakPercent)})`;
  return `| ${row.name} | ${row.unit} | ${cells.join(" | ")} | ${row.referenceSetting ?? ""} | ${gflops} |`;
}

/** The markdown report: machine, engine, reference settings, peak, then the two tables. */
export function markdown(data) {
  const byName = new Map(data.cases.map((row) => [row.name, row]));
  const main = data.cases.filter((row) => !row.name.endsWith(THREADS1));
  // A variant measured against its base case's reference (`@wasm-stock`, `@onnx-fp32`) would
  // repeat the base's row; one with a reference of its own (`@adagrad`) keeps its row.
  const sameFigures = (row, base) =>
    JSON.stringify(row.referenceSettings) === JSON.stringify(base?.referenceSettings);
  const withReference = main.filter(
    (row) =>
      row.referenceSettings &&
      (!row.name.includes("@") || !sameFigures(row, byName.get(row.name.split("@")[0]))),
  );
  const lines = [
    `# tml-ts bench — ${data.date}`,
    "",
    `${data.machine.cpu}, ${data.machine.cores} cores (nproc ${data.machine.nproc}), Node ${data.machine.node}, ${data.machine.platform}; load average ${data.machine.loadAverage} → ${data.machine.loadAverageAtEnd}; commit ${data.machine.commit}`,
    `Engine: ${data.backend}; tml-ts at its defaults (TML_ENGINE_THREADS unset) and again with TML_ENGINE_THREADS=1 (\`@threads1\`).`,
    referenceLine(data.reference),
    peakLine(data.peaks),
    "",
    "| case | unit | tml-ts (default) | tml-ts 1 thread | scaling | GFLOP/s | % of peak | PyTorch best | setting | ratio | 1-thread ratio |",
    "|---|---|---:|---:|---:|---:|---:|---:|---|---:|---:|",
    ...main.map((row) => caseRow(row, byName.get(`${row.name}${THREADS1}`))),
    "",
  ];
  if (withReference.length > 0) {
    lines.push(
      "PyTorch, every setting (the fastest is the reference of the ratio column):",
      "",
      `| case | unit | ${REFERENCE_SETTINGS.join(" | ")} | fastest | PyTorch GFLOP/s (% of peak) |`,
      `|---|---|${REFERENCE_SETTINGS.map(() => "---:").join("|")}|---|---:|`,
      ...withReference.map((row) => settingsRow(row, data.reference)),
      "",
    );
  }
  lines.push(
    data.partial
      ? `${data.notes} Partial run: ${data.partial}; other rows are from earlier runs (see measuredAt in latest.json).`
      : data.notes,
    "",
  );
  return lines.join("\n");
}
