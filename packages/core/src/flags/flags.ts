import { availableParallelism } from "node:os";
import { ConfigError } from "../errors/errors.js";
import type { LogLevel } from "../logging/log-level.js";

/** The value type of each flag, by environment variable name. */
export interface FlagValues {
  TML_FUSED_OPS: boolean;
  TML_FUSED_SIMD: boolean;
  TML_PLATFORM_BLAS: boolean;
  TML_WEBGPU_ALLOW_SOFTWARE: boolean;
  TML_ENGINE_THREADS: number;
  TML_LOG_LEVEL: LogLevel;
  TML_DATA_DIR: string | undefined;
  TML_DEBUG_KILL_AT: DebugKillPoint | undefined;
}

/**
 * Points of a run where `TML_DEBUG_KILL_AT` kills the process: half-way through a checkpoint
 * write, through pruning old checkpoints, or through writing the exported model (crash tests).
 */
export const DEBUG_KILL_POINTS = ["checkpoint-write", "checkpoint-prune", "export"] as const;

/** One of `DEBUG_KILL_POINTS`. */
export type DebugKillPoint = (typeof DEBUG_KILL_POINTS)[number];

/** Name of a flag: the environment variable that sets it. */
export type FlagName = keyof FlagValues;

/** One switch: its variable, how its text reads, its default and what it does. */
export interface FlagDeclaration<T> {
  readonly name: FlagName;
  /** What the variable's text must be (shown in errors and docs). */
  readonly type: "boolean" | "positive integer" | "log level" | "path" | "debug kill point";
  readonly defaultValue: T;
  /** One sentence: what the flag changes. */
  readonly doc: string;
  /** Reads the variable's text; throws ConfigError on a malformed value. */
  parse(text: string): T;
}

const BOOLEANS: Record<string, boolean> = { "0": false, false: false, "1": true, true: true };
// The compiler checks this against LogLevel both ways.
const LOG_LEVELS = {
  debug: true,
  info: true,
  warn: true,
  error: true,
  silent: true,
} satisfies Record<LogLevel, true>;

function invalid(name: FlagName, text: string, expected: string): ConfigError {
  return new ConfigError(`${name}="${text}" is not ${expected}; unset it or fix its value.`, {
    details: { flag: name, value: text },
  });
}

function booleanFlag(name: FlagName, doc: string, defaultValue = true): FlagDeclaration<boolean> {
  return {
    name,
    type: "boolean",
    defaultValue,
    doc,
    parse(text) {
      const value = BOOLEANS[text.toLowerCase()];
      if (value === undefined) throw invalid(name, text, "0, 1, false or true");
      return value;
    },
  };
}

/** Every flag of tml-ts, declared once (the table in this package's README lists them). */
export const FLAGS: { readonly [N in FlagName]: FlagDeclaration<FlagValues[N]> } = {
  TML_FUSED_OPS: booleanFlag(
    "TML_FUSED_OPS",
    "Engine ops run their fused kernels where a backend has one; 0 runs their composite tfjs-op form everywhere (A/B runs).",
  ),
  TML_FUSED_SIMD: booleanFlag(
    "TML_FUSED_SIMD",
    "Fused kernels use their WebAssembly SIMD loops on the wasm backend; 0 keeps them on the JS loops (A/B runs).",
  ),
  TML_PLATFORM_BLAS: booleanFlag(
    "TML_PLATFORM_BLAS",
    "Matrix products without a fused activation run on the platform's BLAS (OpenBLAS, Accelerate) when it loads; 0 keeps them on onnxruntime (A/B runs).",
  ),
  TML_WEBGPU_ALLOW_SOFTWARE: booleanFlag(
    "TML_WEBGPU_ALLOW_SOFTWARE",
    "The WebGPU engine may run on a software adapter (Mesa's lavapipe/llvmpipe, SwiftShader): for tests and CI without a GPU; off, only a hardware GPU counts.",
    false,
  ),
  TML_ENGINE_THREADS: {
    name: "TML_ENGINE_THREADS",
    type: "positive integer",
    // The cores this process may use (respects CPU affinity, e.g. `taskset`); `--threads` sets it.
    defaultValue: availableParallelism(),
    doc: "Threads of the engine: onnxruntime's intra-op pool (matrix products, ONNX sessions) and TwHIN's Hogwild workers; default: the cores this process may use (os.availableParallelism()).",
    parse(text) {
      const value = Number(text);
      if (!Number.isInteger(value) || value < 1) {
        throw invalid("TML_ENGINE_THREADS", text, "a positive integer");
      }
      return value;
    },
  },
  TML_LOG_LEVEL: {
    name: "TML_LOG_LEVEL",
    type: "log level",
    defaultValue: "info",
    doc: "Minimum level of loggers created without an explicit level: debug, info, warn, error or silent.",
    parse(text) {
      if (!Object.hasOwn(LOG_LEVELS, text)) {
        throw invalid("TML_LOG_LEVEL", text, Object.keys(LOG_LEVELS).join(", "));
      }
      return text as LogLevel;
    },
  },
  TML_DATA_DIR: {
    name: "TML_DATA_DIR",
    type: "path",
    defaultValue: undefined,
    doc: "Folder of the public datasets that data-reading tests use (default: ../shared/data beside the repository).",
    parse: (text) => (text === "" ? undefined : text),
  },
  TML_DEBUG_KILL_AT: {
    name: "TML_DEBUG_KILL_AT",
    type: "debug kill point",
    defaultValue: undefined,
    doc: "Debugging crash recovery: the process kills itself (SIGKILL) the first time it reaches this point: checkpoint-write, checkpoint-prune or export.",
    parse(text) {
      if (text === "") return undefined;
      if (!(DEBUG_KILL_POINTS as readonly string[]).includes(text)) {
        throw invalid("TML_DEBUG_KILL_AT", text, DEBUG_KILL_POINTS.join(", "));
      }
      return text as DebugKillPoint;
    },
  },
};

// Values read or set so far; the environment is read once per flag, on first use.
const values = new Map<FlagName, unknown>();

function environment(): Record<string, string | undefined> {
  return typeof process === "undefined" ? {} : process.env;
}

/** The current value of a flag: set from code, else its environment variable, else its default. */
export function getFlag<N extends FlagName>(name: N): FlagValues[N] {
  if (values.has(name)) return values.get(name) as FlagValues[N];
  const declaration = FLAGS[name] as FlagDeclaration<FlagValues[N]>;
  const text = environment()[name];
  const value = text === undefined ? declaration.defaultValue : declaration.parse(text);
  values.set(name, value);
  return value;
}

/** Sets a flag for this process (tests, A/B runs) and returns its previous value. */
export function setFlag<N extends FlagName>(name: N, value: FlagValues[N]): FlagValues[N] {
  const previous = getFlag(name);
  values.set(name, value);
  return previous;
}

/** Forgets a value set from code: the next read takes the environment (or default) again. */
export function resetFlag(name: FlagName): void {
  values.delete(name);
}

/**
 * Kills this process with SIGKILL when `TML_DEBUG_KILL_AT` names `point`, as a power cut or
 * `kill -9` would at that moment; a no-op otherwise. Crash-recovery tests spawn a run with it.
 */
export function debugKillPoint(point: DebugKillPoint): void {
  if (getFlag("TML_DEBUG_KILL_AT") === point) process.kill(process.pid, "SIGKILL");
}

/** `TML_*` variables of `env` that no flag declares (typos, or variables of tools and tests). */
export function unknownFlagVariables(
  env: Record<string, string | undefined> = environment(),
): string[] {
  return Object.keys(env)
    .filter((key) => key.startsWith("TML_") && !(key in FLAGS))
    .sort();
}
