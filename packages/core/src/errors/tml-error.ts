/**
 * Error codes shared by every tml-ts package. Each maps to one CLI exit code (`exitCodeFor`).
 * - `CONFIG`: a config file or override is invalid (unknown key, wrong type, failed group rule).
 * - `USAGE`: a CLI was called wrongly (unknown flag or subcommand, missing argument).
 * - `NOT_FOUND`: a file, glob, checkpoint or directory does not exist.
 * - `DATA`: input data is malformed (bad magic, CRC mismatch, schema mismatch, NaN, id out of range).
 * - `CHECKPOINT`: a checkpoint is corrupt, incomplete or belongs to another model.
 * - `BACKEND`: the requested tensor backend is unknown or cannot be loaded.
 * - `GPU_NOT_READY`: the GPU was asked for but Linux + NVIDIA + CUDA + tfjs-node-gpu is not ready.
 * - `NUMERIC`: training diverged (NaN or infinite loss).
 * - `IO`: the environment refused a read or write (read-only or full disk, a file where a
 *   directory belongs, no permission, out of memory): not a bug, and not the input's fault.
 * - `INTERNAL`: a bug in tml-ts; please report it.
 */
export type TmlErrorCode =
  | "CONFIG"
  | "USAGE"
  | "NOT_FOUND"
  | "DATA"
  | "CHECKPOINT"
  | "BACKEND"
  | "GPU_NOT_READY"
  | "NUMERIC"
  | "IO"
  | "INTERNAL";

/** Process exit code for each error code (documented in the root README). */
export const EXIT_CODES: Readonly<Record<TmlErrorCode, number>> = {
  USAGE: 2,
  CONFIG: 3,
  NOT_FOUND: 4,
  DATA: 5,
  CHECKPOINT: 6,
  BACKEND: 7,
  GPU_NOT_READY: 8,
  NUMERIC: 9,
  IO: 10,
  INTERNAL: 70,
};

// A registered symbol survives duplicate copies of this package in one process.
const BRAND = Symbol.for("@tml/core/TmlError");

/** Options accepted by every tml-ts error. */
export interface TmlErrorOptions {
  /** The underlying error, kept for `--verbose` output and debugging. */
  cause?: unknown;
  /** Machine-readable details (file, column, step, key path…). */
  details?: Record<string, unknown>;
}

/**
 * Base class of every error tml-ts throws on purpose. Messages say what went wrong and what to do
 * next; `code` selects the CLI exit code. Use `TmlError.isInstance` rather than `instanceof`, which
 * fails when two copies of @tml/core are loaded.
 */
export class TmlError extends Error {
  readonly code: TmlErrorCode;
  readonly details: Record<string, unknown>;
  readonly [BRAND] = true;

  constructor(code: TmlErrorCode, message: string, options: TmlErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.details = options.details ?? {};
  }

  /** True for any TmlError, from any copy of @tml/core; narrows to one code when given. */
  static isInstance(value: unknown, code?: TmlErrorCode): value is TmlError {
    if (typeof value !== "object" || value === null) return false;
    const candidate = value as { [BRAND]?: unknown; code?: unknown };
    return candidate[BRAND] === true && (code === undefined || candidate.code === code);
  }
}

/** The exit code a CLI should use for an error: its code's, or INTERNAL's for anything else. */
export function exitCodeFor(error: unknown): number {
  return TmlError.isInstance(error) ? EXIT_CODES[error.code] : EXIT_CODES.INTERNAL;
}
