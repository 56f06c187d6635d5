#!/usr/bin/env node
// `pnpm bench`: runs every bench/cases/*.mjs in its own Node process (warm-up, repeats, median),
// at the engine's defaults and again with TML_ENGINE_THREADS=1 (`<case>@threads1`); runs the
// PyTorch reference on the same machine under every thread setting; writes
// bench/results/latest.json and latest.md. Usage:
//   node bench/run.mjs [filter…] [--no-reference] [--no-threads1]
// Case contract: bench/README.md.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { availableParallelism, cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { ConfigError, exitCodeFor, UsageError, writeFileAtomic } from "@tml/core";
import { sharedDataDir } from "@tml/core/testing";
import {
  achievedGflops,
  fastestSetting,
  isKnownUnit,
  measuredPeaks,
  median,
  timesFaster,
} from "./lib/figures.mjs";
import { markdown } from "./lib/markdown.mjs";
import { referenceFigures, runReference } from "./lib/reference.mjs";
import { SINGLE_THREAD_ENGINES } from "./lib/thread-settings.mjs";

const benchDir = import.meta.dirname;
const THREADS1 = "@threads1";
const ROOFLINE = "sgemm_2048_gflops";

function parseArguments(argv) {
  const known = new Set(["--no-reference", "--no-threads1"]);
  const unknown = argv.filter((arg) => arg.startsWith("--") && !known.has(arg));
  if (unknown.length > 0)
    throw new UsageError(`unknown option ${unknown.join(", ")}; options: ${[...known].join(", ")}`);
  return {
    filters: argv.filter((arg) => !arg.startsWith("--")),
    withReference: !argv.includes("--no-reference"),
    withThreads1: !argv.includes("--no-threads1"),
  };
}

function positiveNumber(variable, fallback) {
  const text = process.env[variable];
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!(value > 0)) throw new UsageError(`${variable}=${text}: expected a positive number`);
  return value;
}

/**
 * Every (case, engine, thread setting) the filters select, in run order, and the names of every
 * row the case files define (filters aside).
 */
async function loadEntries({ filters, withThreads1 }) {
  const files = readdirSync(join(benchDir, "cases"))
    .filter((file) => file.endsWith(".mjs") && !file.startsWith("_"))
    .sort();
  const entries = [];
  const defined = new Set();
  for (const file of files) {
    const path = join(benchDir, "cases", file);
    const module = await import(pathToFileURL(path).href);
    if (typeof module.name !== "string" || !isKnownUnit(module.unit) || !module.run)
      throw new ConfigError(
        `bench/cases/${file}: a case exports name, unit (a "…/s" throughput or ms, ms/step, ms/batch, s) and run(); see bench/README.md`,
      );
    for (const engine of module.engines ?? ["auto"]) {
      const base = engine === "auto" ? module.name : `${module.name}@${engine}`;
      const settings = ["default"];
      if (withThreads1 && module.threads1Row !== false && !SINGLE_THREAD_ENGINES.includes(engine))
        settings.push("1");
      for (const threads of settings) {
        const name = threads === "1" ? `${base}${THREADS1}` : base;
        defined.add(name);
        if (filters.length > 0 && !filters.some((filter) => name.includes(filter))) continue;
        entries.push({ file, path, engine, base, name, threads, module });
      }
    }
  }
  return { entries, defined };
}

/** The child's environment: the default setting leaves TML_ENGINE_THREADS to the engine. */
function caseEnvironment(entry) {
  const env = { ...process.env, TML_BENCH_ENGINE: entry.engine, TML_LOG_LEVEL: "warn" };
  env.TML_BENCH_THREADS = entry.threads;
  if (entry.threads === "1") env.TML_ENGINE_THREADS = "1";
  else delete env.TML_ENGINE_THREADS;
  return env;
}

function runCase(entry, timeoutMs) {
  const output = join(tmpdir(), `tml-bench-${process.pid}-${entry.name.replace(/\W/g, "_")}.json`);
  const started = performance.now();
  const child = spawnSync(
    process.execPath,
    [join(benchDir, "lib", "run-case.mjs"), entry.path, output],
    {
      env: caseEnvironment(entry),
      stdio: ["ignore", "inherit", "inherit"],
      timeout: timeoutMs,
    },
  );
  const seconds = (performance.now() - started) / 1000;
  try {
    if (child.status !== 0) {
      const why = child.signal
        ? `killed by ${child.signal} (timeout ${timeoutMs / 1000} s?)`
        : `exit ${child.status}`;
      return { error: why, seconds };
    }
    return { ...JSON.parse(readFileSync(output, "utf8")), seconds };
  } finally {
    rmSync(output, { force: true });
  }
}

function measure(entry, timeoutMs) {
  const unit = entry.module.unit;
  const skipped = entry.module.skipReason?.();
  if (skipped) {
    process.stderr.write(`bench: ${entry.name} skipped: ${skipped}\n`);
    return { name: entry.name, unit, skipped };
  }
  process.stderr.write(`bench: ${entry.name} … `);
  const outcome = runCase(entry, timeoutMs);
  if (outcome.error) {
    process.stderr.write(`FAILED (${outcome.error})\n`);
    return { name: entry.name, unit, error: outcome.error };
  }
  const value = median(outcome.values);
  const result = {
    name: entry.name,
    value,
    unit,
    engine: outcome.label,
    engineThreads: outcome.engineThreads,
    repeats: outcome.values.length,
    values: outcome.values,
  };
  // The arithmetic of one unit (FLOP per sample/query, or GFLOP per timed run), when known.
  const flopsPerItem = outcome.flopsPerItem ?? entry.module.flopsPerItem;
  const gflopsPerRun = outcome.gflopsPerRun ?? entry.module.gflopsPerRun;
  if (flopsPerItem !== undefined) result.flopsPerItem = flopsPerItem;
  if (gflopsPerRun !== undefined) result.gflopsPerRun = gflopsPerRun;
  const gflops = achievedGflops(value, unit, result);
  if (gflops !== undefined) result.gflops = gflops;
  if (outcome.tensorsAfter !== outcome.tensorsBefore)
    result.tensorGrowth = outcome.tensorsAfter - outcome.tensorsBefore;
  process.stderr.write(
    `${value.toPrecision(4)} ${unit} [${outcome.label}, ${outcome.engineThreads} thread(s)] (${outcome.seconds.toFixed(0)} s)\n`,
  );
  return result;
}

/** Attaches the reference figures: defaults against the fastest setting, @threads1 against threads1. */
function attachReference(result, entry, reference) {
  if (result.value === undefined) return;
  const key = entry.module.reference ?? entry.module.name;
  const exact = referenceFigures(reference, entry.base, result.unit);
  const source = Object.keys(exact).length > 0 ? entry.base : key;
  const figures =
    Object.keys(exact).length > 0 ? exact : referenceFigures(reference, key, result.unit);
  if (Object.keys(figures).length === 0) return;
  result.referenceSettings = figures;
  const best = referenceFigures(reference, source, result.unit, "best");
  if (Object.keys(best).length > 0) result.referenceBestSettings = best;
  const chosen =
    entry.threads === "1"
      ? figures.threads1 === undefined
        ? undefined
        : { setting: "threads1", value: figures.threads1 }
      : fastestSetting(figures, result.unit);
  if (!chosen) return;
  result.reference = chosen.value;
  result.referenceSetting = chosen.setting;
  result.ratio = timesFaster(result.value, chosen.value, result.unit);
  const referenceGflops = achievedGflops(chosen.value, result.unit, result);
  if (referenceGflops !== undefined) result.referenceGflops = referenceGflops;
}

/** Scaling (default over @threads1) and % of peak, over the merged rows of this and earlier runs. */
function deriveAcrossRows(rows) {
  const byName = new Map(rows.map((row) => [row.name, row]));
  const peaks = measuredPeaks(
    rows.filter((row) => row.value !== undefined && row.name.split("@")[0] === ROOFLINE),
  );
  for (const row of rows) {
    for (const derived of ["peakPercent", "referencePeakPercent", "scaling"]) delete row[derived];
    // A one-thread row divides by the one-thread peak, a default row by the machine's.
    const peak = row.name.endsWith(THREADS1) ? peaks.oneThread : peaks.machine;
    if (peak && row.gflops !== undefined) row.peakPercent = (100 * row.gflops) / peak.gflops;
    if (peak && row.referenceGflops !== undefined)
      row.referencePeakPercent = (100 * row.referenceGflops) / peak.gflops;
    const single = byName.get(`${row.name}${THREADS1}`);
    if (single?.value !== undefined && row.value !== undefined)
      row.scaling = timesFaster(row.value, single.value, row.unit);
  }
  return peaks;
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
    nproc: availableParallelism(),
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    loadAverage: load,
    commit,
  };
}

/**
 * A filtered run keeps the other rows of latest.json (each with its own measuredAt), except rows
 * no case file defines any more.
 */
function mergeWithPrevious(results, latestPath, filtered, defined) {
  if (!filtered || !existsSync(latestPath)) return results;
  try {
    const previous = JSON.parse(readFileSync(latestPath, "utf8")).cases ?? [];
    const fresh = new Set(results.map((result) => result.name));
    const kept = previous.filter((old) => !fresh.has(old.name) && defined.has(old.name));
    return [...kept, ...results].sort((a, b) => a.name.localeCompare(b.name));
  } catch {
    return results;
  }
}

function summarizeReference(reference) {
  if (!reference.available) return { source: "none", reason: reference.reason };
  return {
    source: "bench/reference/torch_cases.py, same machine, same run, one process per setting",
    python: reference.python,
    torch: reference.torch,
    blas: reference.blas,
    available: true,
    settings: reference.settings.map(({ cases: _, ...setting }) => setting),
  };
}

async function main() {
  const options = parseArguments(process.argv.slice(2));
  const timeoutMs = positiveNumber("TML_BENCH_CASE_TIMEOUT_S", 300) * 1000;
  if (process.env.TML_ENGINE_THREADS !== undefined)
    process.stderr.write(
      `bench: TML_ENGINE_THREADS=${process.env.TML_ENGINE_THREADS} is ignored: cases run at the engine's default and at 1 (@threads1)\n`,
    );
  const { entries, defined } = await loadEntries(options);
  if (entries.length === 0)
    throw new UsageError(`no bench case matches ${options.filters.join(", ")}; see bench/cases/`);
  const started = new Date();
  const machine = machineInfo();
  const results = entries.map((entry) => measure(entry, timeoutMs));

  const measured = entries.filter((_, index) => results[index].value !== undefined);
  let reference = { available: false, reason: "skipped (--no-reference)" };
  if (options.withReference && measured.length === 0)
    reference = { available: false, reason: "not run: no case was measured" };
  else if (options.withReference) {
    const names = [
      ...new Set(measured.map((entry) => entry.module.reference ?? entry.module.name)),
    ];
    reference = await runReference(names, {
      threads: machine.nproc,
      dataDir: sharedDataDir(),
      log: (text) => process.stderr.write(text),
    });
    if (!reference.available)
      process.stderr.write(`bench: no PyTorch reference: ${reference.reason}\n`);
  }
  for (const [index, entry] of entries.entries()) attachReference(results[index], entry, reference);
  for (const result of results) result.measuredAt = started.toISOString();

  const latestPath = join(benchDir, "results", "latest.json");
  const filtered = options.filters.length > 0 || !options.withThreads1;
  const reported = mergeWithPrevious(results, latestPath, filtered, defined);
  const peaks = deriveAcrossRows(reported);
  const report = {
    date: started.toISOString(),
    durationSeconds: (Date.now() - started.getTime()) / 1000,
    machine: { ...machine, loadAverageAtEnd: machineInfo().loadAverage },
    backend: reported.find((row) => !row.name.includes("@") && row.engine)?.engine ?? "unknown",
    peaks,
    reference: summarizeReference(reference),
    notes:
      "ratio > 1 means tml-ts is faster than the reference: the default row against PyTorch's fastest setting, the 1-thread ratio against PyTorch's threads1 setting. scaling = default over @threads1. Figures taken on a shared machine under load are pessimistic.",
    partial: filtered
      ? `this run measured only ${options.filters.length > 0 ? `cases matching ${options.filters.join(", ")}` : "the default rows (--no-threads1)"}`
      : undefined,
    cases: reported,
  };
  mkdirSync(join(benchDir, "results"), { recursive: true });
  writeFileAtomic(latestPath, `${JSON.stringify(report, null, 2)}\n`);
  writeFileAtomic(join(benchDir, "results", "latest.md"), markdown(report));
  console.log(markdown(report));
}

try {
  await main();
} catch (error) {
  console.error(`bench: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = exitCodeFor(error);
}
