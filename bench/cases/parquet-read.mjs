// Parquet read throughput: a 1M-row table of 20 float32 columns, an int64 id and a variable
// float32 list column (0..4 values per row), snappy, 128k-row row groups.
// Variant "auto": rows/s read into typed-array column batches (iterateParquetBatches).
// Variant "dataset": rows/s delivered as 1024-row batches to a consumer through Dataset (files
// order, prefetch on); batches/s = value / 1024.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const name = "parquet-read";
export const unit = "rows/s";
export const engines = ["auto", "dataset"];
export const warmup = 2;
export const repeats = 5;
export const threads1Row = false; // data-io never reaches the engine's thread pool

const ROWS = 1_000_000;
const BATCH = 1024;
let dataIo;
let dir;
let path;

export async function setup() {
  // The harness reads tf.memory() around the runs, which needs an initialised backend; data-io
  // itself never touches tfjs.
  const { selectBenchEngine } = await import("../lib/tf.mjs");
  await selectBenchEngine("cpu");
  dataIo = await import("@tml/data-io");
  dir = mkdtempSync(join(tmpdir(), "tml-bench-parquet-"));
  path = join(dir, "table.parquet");
  const columns = {};
  let seed = 12345;
  const random = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
  for (let c = 0; c < 20; c++) {
    const values = new Float32Array(ROWS);
    for (let i = 0; i < ROWS; i++) values[i] = random();
    columns[`f${c}`] = { dtype: "float32", values, rowLength: 1, nullCount: 0 };
  }
  const ids = new BigInt64Array(ROWS);
  for (let i = 0; i < ROWS; i++) ids[i] = BigInt(i) * 7919n;
  columns.id = { dtype: "int64", values: ids, rowLength: 1, nullCount: 0 };
  const offsets = new Int32Array(ROWS + 1);
  for (let i = 0; i < ROWS; i++) offsets[i + 1] = offsets[i] + (i % 5);
  const listValues = new Float32Array(offsets[ROWS]);
  for (let i = 0; i < listValues.length; i++) listValues[i] = random();
  columns.tags = { dtype: "float32", values: listValues, rowLength: -1, offsets, nullCount: 0 };
  const table = dataIo.columnsToTable({ numRows: ROWS, columns });
  await dataIo.writeParquetFile(path, table, { compression: "snappy", rowGroupSize: 131_072 });
  const variant = process.env.TML_BENCH_ENGINE ?? "auto";
  return { label: variant === "dataset" ? `parquet-wasm, Dataset batch ${BATCH}` : "parquet-wasm" };
}

// TML_BENCH_CPU_TIME=1 divides by the process's CPU time instead of wall time: a fairer figure on a
// machine shared with other jobs.
const cpuTime = process.env.TML_BENCH_CPU_TIME === "1";

export async function run() {
  let rows = 0;
  let checksum = 0;
  const started = performance.now();
  const startedCpu = process.cpuUsage();
  if (process.env.TML_BENCH_ENGINE === "dataset") {
    const dataset = await dataIo.Dataset.open({
      files: path,
      batchSize: BATCH,
      shuffleFiles: false,
    });
    for await (const batch of dataset) {
      rows += batch.numRows;
      checksum += batch.columns.f0.values[0]; // the consumer touches every batch
    }
  } else {
    for await (const batch of dataIo.iterateParquetBatches(path)) {
      rows += batch.numRows;
      checksum += batch.columns.f0.values[0];
    }
  }
  const cpu = process.cpuUsage(startedCpu);
  const seconds = cpuTime ? (cpu.user + cpu.system) / 1e6 : (performance.now() - started) / 1000;
  if (!(rows > 0) || Number.isNaN(checksum)) throw new Error("parquet-read: nothing was read");
  return rows / seconds;
}

export async function teardown() {
  rmSync(dir, { recursive: true, force: true });
}
