import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";
import { DataError } from "@tml/core";

// apache-arrow trusts the flatbuffer lengths of an IPC file: some corruptions make it loop and
// allocate until the process runs out of memory, which no try/catch can stop. The file is first
// parsed in a worker thread with a memory cap and a time limit; only a file that parses there is
// read in the calling thread.
const WORKER_SOURCE = `
const { workerData, parentPort } = require("node:worker_threads");
const { readFileSync } = require("node:fs");
const arrow = require(workerData.arrowPath);
const reader = arrow.RecordBatchReader.from(readFileSync(workerData.path));
reader.open();
if (!reader.schema) throw new Error("no schema");
let rows = 0;
for (const batch of reader) {
  rows += batch.numRows;
  const visit = (data) => { data.nullCount; for (const child of data.children) visit(child); };
  for (const child of batch.data.children) visit(child);
}
parentPort.postMessage(rows);
`;

/**
 * Parses the Arrow IPC file at `path` (of `size` bytes) in a worker with a memory cap and a time
 * limit; a crash, a timeout or a parse error there is a DataError naming the file.
 */
export async function checkArrowIpcInWorker(path: string, size: number): Promise<void> {
  const arrowPath = createRequire(import.meta.url).resolve("apache-arrow");
  const megabytes = Math.ceil(size / 2 ** 20);
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: { path, arrowPath },
    resourceLimits: { maxOldGenerationSizeMb: 128 + 4 * megabytes, maxYoungGenerationSizeMb: 32 },
    stdout: true,
    stderr: true,
  });
  const limitMs = 20_000 + 50 * megabytes;
  let timer: NodeJS.Timeout | undefined;
  try {
    await new Promise<void>((resolve, reject) => {
      timer = setTimeout(() => reject(new Error(`parsing took over ${limitMs / 1000} s`)), limitMs);
      worker.once("message", () => resolve());
      worker.once("error", reject);
      worker.once("exit", (code) =>
        reject(new Error(`the parser stopped (exit ${code}, out of memory?)`)),
      );
    });
  } catch (error) {
    throw new DataError(
      `${path} is not a valid Arrow IPC file or stream: ${(error as Error).message}.`,
      {
        cause: error,
        details: { file: path },
      },
    );
  } finally {
    clearTimeout(timer);
    await worker.terminate();
  }
}
