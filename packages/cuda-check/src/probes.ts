import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { arch, platform } from "node:os";
import { join } from "node:path";
import { WEBGPU_ADAPTER_REQUESTS } from "./webgpu-adapters.js";

/** What running a command produced. `errorCode` is set when it could not run at all. */
export interface ExecResult {
  /** Exit status; null when the command was killed or never started. */
  status: number | null;
  /** Signal that ended the command ("SIGTERM" after a timeout), or null. */
  signal: string | null;
  stdout: string;
  stderr: string;
  /** Spawn failure: "ENOENT" (no such command), "EACCES", "ETIMEDOUT"; absent when it ran. */
  errorCode?: string;
}

/** What loading a module in a child Node process produced. */
export interface ChildLoadResult {
  /** Exit status; null when the child was killed (crash or timeout). */
  status: number | null;
  /** Signal that ended the child ("SIGSEGV" for a crash in native code), or null. */
  signal: string | null;
  /** True when the child ran past its time limit and was killed. */
  timedOut: boolean;
  stdout: string;
  stderr: string;
  /** Wall time of the child in milliseconds. */
  durationMs: number;
}

/**
 * Everything detectGpu reads from the machine. Tests replace any of them to describe a machine
 * without having one; the defaults (`realProbes()`) read this process's machine.
 */
export interface Probes {
  /** `process.platform` value: "linux", "darwin", "win32"… */
  platform: string;
  /** `process.arch` value: "x64", "arm64"… */
  arch: string;
  /** Environment variables (LD_LIBRARY_PATH is read from here). */
  env: Readonly<Record<string, string | undefined>>;
  /** Directory the caller runs in; tfjs-node-gpu is resolved from here first. */
  cwd: string;
  /** Text of a file, or undefined when it cannot be read. */
  readFile(path: string): string | undefined;
  /** Entry names of a directory, or undefined when it cannot be read. */
  readDir(path: string): string[] | undefined;
  /** Runs a command without a shell; never throws. */
  exec(command: string, args: readonly string[]): ExecResult;
  /** Absolute path `specifier` resolves to from `fromDirectory` (Node's rules), or undefined. */
  resolveModule(specifier: string, fromDirectory: string): string | undefined;
  /** Requires `modulePath` in a child Node process and runs one op; never throws. */
  loadInChild(modulePath: string, timeoutMs: number): ChildLoadResult;
  /** Imports the `webgpu` package at `modulePath` in a child Node process and lists its adapters. */
  listWebGpuAdaptersInChild(modulePath: string, timeoutMs: number): ChildLoadResult;
}

/** Commands that print little finish well within this; nvidia-smi can hang on a wedged driver. */
const EXEC_TIMEOUT_MS = 15_000;
const MAX_OUTPUT_BYTES = 16 * 1024 * 1024;

/** Printed by the child before its JSON result so noise on stdout cannot be mistaken for it. */
export const CHILD_RESULT_MARKER = "cuda-check-load-result:";

// CommonJS on purpose: tfjs-node-gpu is a CommonJS package, and `require` of its directory follows
// its package.json `main`. One op forces TensorFlow to create its devices (and log them).
const CHILD_SCRIPT = [
  "const tf = require(process.argv[1]);",
  "const sum = tf.add(tf.scalar(1), tf.scalar(2)).dataSync()[0];",
  "const usingGpu = tf.backend().isUsingGpuDevice === true;",
  `process.stdout.write(${JSON.stringify(CHILD_RESULT_MARKER)} + JSON.stringify({ backend: tf.getBackend(), sum, usingGpu }) + "\\n");`,
].join("\n");

// An ES module (the webgpu package is one): lists every adapter Dawn offers, one JSON array.
const WEBGPU_CHILD_SCRIPT = [
  'const { pathToFileURL } = await import("node:url");',
  "const { create } = await import(pathToFileURL(process.argv[1]).href);",
  "const gpu = create([]);",
  "const adapters = new Map();",
  `for (const request of ${JSON.stringify(WEBGPU_ADAPTER_REQUESTS)}) {`,
  "  const adapter = await gpu.requestAdapter(request).catch(() => null);",
  "  if (!adapter) continue;",
  "  const { vendor, architecture, device, description, isFallbackAdapter } = adapter.info;",
  "  adapters.set([vendor, device, description].join('|'), { vendor, architecture, device, description, isFallbackAdapter });",
  "}",
  `process.stdout.write(${JSON.stringify(CHILD_RESULT_MARKER)} + JSON.stringify({ adapters: [...adapters.values()] }) + "\\n");`,
].join("\n");

function runChild(
  args: readonly string[],
  timeoutMs: number,
  env: NodeJS.ProcessEnv,
): ChildLoadResult {
  const started = Date.now();
  const result = spawnSync(process.execPath, args, {
    encoding: "utf8",
    timeout: timeoutMs,
    maxBuffer: MAX_OUTPUT_BYTES,
    stdio: ["ignore", "pipe", "pipe"],
    env,
  });
  const errorCode = (result.error as NodeJS.ErrnoException | undefined)?.code;
  return {
    status: result.status,
    signal: result.signal,
    timedOut: errorCode === "ETIMEDOUT",
    stdout: result.stdout ?? "",
    stderr: result.stderr ?? "",
    durationMs: Date.now() - started,
  };
}

/** Probes that read the machine this process runs on. */
export function realProbes(): Probes {
  return {
    platform: platform(),
    arch: arch(),
    env: process.env,
    cwd: process.cwd(),
    readFile(path) {
      try {
        return readFileSync(path, "utf8");
      } catch {
        return undefined;
      }
    },
    readDir(path) {
      try {
        return readdirSync(path);
      } catch {
        return undefined;
      }
    },
    exec(command, args) {
      const result = spawnSync(command, args, {
        encoding: "utf8",
        timeout: EXEC_TIMEOUT_MS,
        maxBuffer: MAX_OUTPUT_BYTES,
        stdio: ["ignore", "pipe", "pipe"],
      });
      const errorCode = (result.error as NodeJS.ErrnoException | undefined)?.code;
      return {
        status: result.status,
        signal: result.signal,
        stdout: result.stdout ?? "",
        stderr: result.stderr ?? "",
        ...(errorCode === undefined ? {} : { errorCode }),
      };
    },
    resolveModule(specifier, fromDirectory) {
      try {
        return createRequire(join(fromDirectory, "cuda-check-resolve.js")).resolve(specifier);
      } catch {
        return undefined;
      }
    },
    loadInChild(modulePath, timeoutMs) {
      // Level 0 keeps TensorFlow's INFO lines, which name the GPU devices it created.
      return runChild(["-e", CHILD_SCRIPT, modulePath], timeoutMs, {
        ...process.env,
        TF_CPP_MIN_LOG_LEVEL: "0",
      });
    },
    listWebGpuAdaptersInChild(modulePath, timeoutMs) {
      return runChild(
        ["--input-type=module", "-e", WEBGPU_CHILD_SCRIPT, modulePath],
        timeoutMs,
        process.env,
      );
    },
  };
}
