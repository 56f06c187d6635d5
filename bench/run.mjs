#!/usr/bin/env node
// `pnpm bench`: runs every bench/cases/*.mjs in its own Node process (warm-up, repeats, median),
// runs the PyTorch reference on the same machine when available, and writes
// bench/results/latest.json and latest.md. Usage: node bench/run.mjs [filter…] [--no-reference]
// Case contract: bench/README.md.
import { execFileSync, spawnSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const benchDir = import.meta.dirname;
const args = process.argv.slice(2);
const filters = args.filter((arg) => !arg.startsWith("--"));
const withReference = !args.includes("--no-reference");
const caseTimeoutMs = Number(process.env.TML_BENCH_CASE_TIMEOUT_S ?? 300) * 1000;

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};
// Throughput units ("…/s") are better higher; time units are better lower.
const higherIsBetter = (unit) => unit.endsWith("/s");
const timeToSeconds = { ms: 1e-3, "ms/step": 1e-3, "ms/batch": 1e-3, s: 1 };

function writeAtomic(path, text) {
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, text);
  renameSync(temporary, path);
}

async function loadCases() {
  const files = readdirSync(join(benchDir, "cases"))
    .filter((file) => file.endsWith(".mjs") && !file.startsWith("_"))
    .sort();
  const cases = [];
  for (const file of files) {
    const path = join(benchDir, "cases", file);
    const module = await import(pathToFileURL(path).href);
    for (const engine of module.engines ?? ["auto"]) {
      const name = engine === "auto" ? module.name : `${module.name}@${engine}`;
      if (filters.length > 0 && !filters.some((filter) => name.includes(filter))) continue;
      cases.push({ file, path, engine, name, module });
    }
  }
  return cases;
}

function runCase(benchCase) {
  const output = join(
    tmpdir(),
    `tml-bench-${process.pid}-${benchCase.name.replace(/\W/g, "_")}.json`,
  );
  const started = performance.now();
  const child = spawnSync(
    process.execPath,
    [join(benchDir, "lib", "run-case.mjs"), benchCase.path, output],
    {
      env: { ...process.env, TML_BENCH_ENGINE: benchCase.engine, TML_LOG_LEVEL: "warn" },
      stdio: ["ignore", "inherit", "inherit"],
      timeout: caseTimeoutMs,
    },
  );
  const seconds = (performance.now() - started) / 1000;
  try {
    if (child.status !== 0) {
      return {
        error: child.signal
          ? `killed by ${child.signal} (timeout ${caseTimeoutMs / 1000} s?)`
          : `exit ${child.status}`,
        seconds,
      };
    }
    return { ...JSON.parse(readFileSync(output, "utf8")), seconds };
  } finally {
    rmSync(output, { force: true });
  }
}

// Debian's python3-torch installs into the system Python, which a pyenv shim may hide.
function pythonCommand() {
  if (process.env.TML_BENCH_PYTHON) return process.env.TML_BENCH_PYTHON;
  return existsSync("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
}

function runReference(cases) {
  const script = join(benchDir, "reference", "torch_cases.py");
  const names = cases.map((benchCase) => benchCase.module.reference ?? benchCase.module.name);
  const output = join(tmpdir(), `tml-bench-reference-${process.pid}.json`);
  // torch_cases.py pins every BLAS pool to one thread itself, before torch loads.
  const child = spawnSync(pythonCommand(), [script, "--output", output, ...new Set(names)], {
    stdio: ["ignore", "inherit", "inherit"],
    timeout: 20 * 60 * 1000,
  });
  try {
    if (child.status !== 0)
      return { available: false, reason: child.error?.message ?? `python3 exited ${child.status}` };
    return JSON.parse(readFileSync(output, "utf8"));
  } catch (error) {
    return { available: false, reason: String(error) };
  } finally {
    rmSync(output, { force: true });
  }
}

function machineInfo() {
  const cpu = cpus();
  let load = "";
  try {
    load = readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");
  } catch {}
  let commit = "";
  try {
    commit = execFileSync("git", ["rev-parse", "--short", "HEAD"], { encoding: "utf8" }).trim();
  } catch {}
  return {
    cpu: cpu[0]?.model ?? "unknown",
    cores: cpu.length,
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    loadAverage: load,
    commit,
  };
}

const cases = await loadCases();
if (cases.length === 0) {
  console.error(`no bench case matches ${filters.join(", ")}`);
  process.exit(1);
}
const started = new Date();
const machine = machineInfo();
const results = [];
for (const benchCase of cases) {
  process.stderr.write(`bench: ${benchCase.name} … `);
  const outcome = runCase(benchCase);
  const unit = benchCase.module.unit;
  if (outcome.error) {
    process.stderr.write(`FAILED (${outcome.error})\n`);
    results.push({ name: benchCase.name, unit, error: outcome.error });
    continue;
  }
  const value = median(outcome.values);
  const result = {
    name: benchCase.name,
    value,
    unit,
    engine: outcome.label,
    repeats: outcome.values.length,
    values: outcome.values,
  };
  const gflopsPerRun = outcome.gflopsPerRun ?? benchCase.module.gflopsPerRun;
  if (gflopsPerRun !== undefined && unit in timeToSeconds)
    result.gflops = gflopsPerRun / (value * timeToSeconds[unit]);
  // Throughput cases (samples/s) that know their arithmetic per run: GFLOP/s = runs/s × GFLOP per run.
  else if (gflopsPerRun !== undefined && outcome.samplesPerRun)
    result.gflops = (gflopsPerRun * value) / outcome.samplesPerRun;
  if (outcome.tensorsAfter !== outcome.tensorsBefore)
    result.tensorGrowth = outcome.tensorsAfter - outcome.tensorsBefore;
  results.push(result);
  process.stderr.write(
    `${value.toPrecision(4)} ${unit} [${outcome.label}] (${outcome.seconds.toFixed(0)} s)\n`,
  );
}

let reference = { available: false, reason: "skipped (--no-reference)" };
if (withReference) {
  process.stderr.write("bench: PyTorch reference … ");
  reference = runReference(cases);
  process.stderr.write(
    reference.available
      ? `torch ${reference.torch}, ${reference.threads} thread(s)\n`
      : `unavailable: ${reference.reason}\n`,
  );
}
for (const result of results) {
  const key =
    cases.find((benchCase) => benchCase.name === result.name)?.module.reference ??
    result.name.split("@")[0];
  // A variant (`name@adagrad`) has its own reference when PyTorch measures one; engine variants
  // (`@wasm-stock`) compare with the base case's.
  const figure = reference.available
    ? (reference.cases?.[result.name] ?? reference.cases?.[key])
    : undefined;
  if (figure === undefined || result.value === undefined || figure.unit !== result.unit) continue;
  result.reference = figure.value;
  result.ratio = higherIsBetter(result.unit)
    ? result.value / figure.value
    : figure.value / result.value;
}

for (const result of results) result.measuredAt = started.toISOString();
// A filtered run (`node bench/run.mjs matmul`) updates its cases in latest.json and keeps the
// others from earlier runs, each with its own measuredAt; a full run replaces everything.
const latestPath = join(benchDir, "results", "latest.json");
let reported = results;
if (filters.length > 0 && existsSync(latestPath)) {
  try {
    const previous = JSON.parse(readFileSync(latestPath, "utf8")).cases ?? [];
    const fresh = new Set(results.map((result) => result.name));
    reported = [...previous.filter((old) => !fresh.has(old.name)), ...results].sort((a, b) =>
      a.name.localeCompare(b.name),
    );
  } catch {}
}

const report = {
  date: started.toISOString(),
  durationSeconds: (Date.now() - started.getTime()) / 1000,
  machine: { ...machine, loadAverageAtEnd: machineInfo().loadAverage },
  backend:
    reported.find((result) => !result.name.includes("@") && result.engine)?.engine ?? "unknown",
  reference: reference.available
    ? {
        source: "bench/reference/torch_cases.py, same machine, same run",
        torch: reference.torch,
        threads: reference.threads,
        blas: reference.blas,
      }
    : { source: "none", reason: reference.reason },
  notes:
    "ratio > 1 means tml-ts is faster than the reference. Figures taken on a shared machine under load are pessimistic.",
  partial:
    filters.length > 0 ? `this run measured only cases matching ${filters.join(", ")}` : undefined,
  cases: reported,
};
mkdirSync(join(benchDir, "results"), { recursive: true });
writeAtomic(latestPath, `${JSON.stringify(report, null, 2)}\n`);
writeAtomic(join(benchDir, "results", "latest.md"), markdown(report));
console.log(markdown(report));

function markdown(data) {
  const format = (value, digits = 4) =>
    value === undefined ? "" : Number(value).toPrecision(digits);
  const lines = [
    `# tml-ts bench — ${data.date}`,
    "",
    `${data.machine.cpu}, ${data.machine.cores} cores, Node ${data.machine.node}, ${data.machine.platform}; load average ${data.machine.loadAverage} → ${data.machine.loadAverageAtEnd}; commit ${data.machine.commit}`,
    `Engine: ${data.backend}. Reference: ${data.reference.source === "none" ? `none (${data.reference.reason})` : `PyTorch ${data.reference.torch}, ${data.reference.threads} thread, ${data.reference.blas}`}.`,
    "",
    "| case | value | unit | GFLOP/s | engine | reference | ratio |",
    "|---|---:|---|---:|---|---:|---:|",
    ...data.cases.map((row) =>
      row.error
        ? `| ${row.name} | failed: ${row.error} | ${row.unit} | | | | |`
        : `| ${row.name} | ${format(row.value)} | ${row.unit} | ${format(row.gflops, 3)} | ${row.engine}${row.tensorGrowth ? ` (LEAK: +${row.tensorGrowth} tensors)` : ""} | ${format(row.reference)} | ${format(row.ratio, 3)} |`,
    ),
    "",
    data.partial
      ? `${data.notes} Partial run: ${data.partial}; other rows are from earlier runs (see measuredAt in latest.json).`
      : data.notes,
    "",
  ];
  return lines.join("\n");
}
