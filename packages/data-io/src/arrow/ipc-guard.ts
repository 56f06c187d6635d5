import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";
import { DataError } from "@tml/core";

// apache-arrow trusts the flatbuffer lengths of an IPC file: some corruptions make it loop and
// allocate until the process runs out of memory, which no try/catch can stop. Files are first
// parsed in a worker thread with a memory cap and a time limit; only a file that parses there is
// read in the calling thread. One worker is kept (unref'd) and reused; a check that kills it or
// runs too long gets a fresh one next time.
const WORKER_SOURCE = `
const { parentPort } = require("node:worker_threads");
const { readFileSync } = require("node:fs");
let arrow;
parentPort.on("message", ({ id, path, arrowPath }) => {
  try {
    arrow ??= require(arrowPath);
    const reader = arrow.RecordBatchReader.from(readFileSync(path));
    reader.open();
    if (!reader.schema) throw new Error("no schema");
    const visit = (data) => { data.nullCount; for (const child of data.children) visit(child); };
    for (const batch of reader) for (const child of batch.data.children) visit(child);
    parentPort.postMessage({ id });
  } catch (error) {
    parentPort.postMessage({ id, error: String(error && error.message || error) });
  }
});
`;

// A small heap cap makes a runaway parse die within a second or two instead of thrashing.
const SHARED_LIMIT_MB = 96;
let shared: Worker | undefined;
let queue: Promise<unknown> = Promise.resolve();
let nextId = 0;

function spawn(limitMb: number): Worker {
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    resourceLimits: { maxOldGenerationSizeMb: limitMb, maxYoungGenerationSizeMb: 32 },
    stdout: true,
    stderr: true,
  });
  worker.unref();
  return worker;
}

function check(worker: Worker, path: string, limitMs: number): Promise<void> {
  const arrowPath = createRequire(import.meta.url).resolve("apache-arrow");
  const id = nextId++;
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => finish(new Error(`parsing took over ${limitMs / 1000} s`)),
      limitMs,
    );
    const onMessage = (message: { id: number; error?: string }) => {
      if (message.id === id)
        finish(message.error === undefined ? undefined : new Error(message.error));
    };
    const onExit = (code: number) =>
      finish(new Error(`the parser stopped (exit ${code}, out of memory?)`), true);
    const onError = (error: Error) => finish(error, true);
    function finish(error?: Error, dead = false) {
      clearTimeout(timer);
      worker.off("message", onMessage).off("exit", onExit).off("error", onError);
      if (error !== undefined && !dead) void worker.terminate();
      if (error !== undefined && worker === shared) shared = undefined;
      if (error === undefined) resolve();
      else reject(error);
    }
    worker.on("message", onMessage).on("exit", onExit).on("error", onError);
    worker.postMessage({ id, path, arrowPath });
  });
}

/**
 * Parses the Arrow IPC file at `path` (of `size` bytes) in a worker with a memory cap and a time
 * limit; a crash, a timeout or a parse error there is a DataError naming the file.
 */
export async function checkArrowIpcInWorker(path: string, size: number): Promise<void> {
  const megabytes = Math.ceil(size / 2 ** 20);
  const limitMs = 20_000 + 50 * megabytes;
  const run = async () => {
    if (4 * megabytes + 64 > SHARED_LIMIT_MB) {
      const worker = spawn(4 * megabytes + 64);
      try {
        await check(worker, path, limitMs);
      } finally {
        await worker.terminate();
      }
      return;
    }
    shared ??= spawn(SHARED_LIMIT_MB);
    await check(shared, path, limitMs);
  };
  const result = queue.then(run, run);
  queue = result.catch(() => undefined);
  try {
    await result;
  } catch (error) {
    throw new DataError(
      `${path} is not a valid Arrow IPC file or stream: ${(error as Error).message}.`,
      {
        cause: error,
        details: { file: path },
      },
    );
  }
}
