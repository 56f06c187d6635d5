import { TmlError, type TmlErrorOptions } from "./tml-error.js";

/** A config file, key or override is invalid; `details.path` holds the key path when known. */
export class ConfigError extends TmlError {
  constructor(message: string, options?: TmlErrorOptions) {
    super("CONFIG", message, options);
  }
}

/** A command line was malformed: unknown flag or subcommand, missing value. */
export class UsageError extends TmlError {
  constructor(message: string, options?: TmlErrorOptions) {
    super("USAGE", message, options);
  }
}

/** A file, glob, directory or checkpoint that was named does not exist. */
export class NotFoundError extends TmlError {
  constructor(message: string, options?: TmlErrorOptions) {
    super("NOT_FOUND", message, options);
  }
}

/** Input data is malformed or does not match its declared schema. */
export class DataError extends TmlError {
  constructor(message: string, options?: TmlErrorOptions) {
    super("DATA", message, options);
  }
}

/** A checkpoint is corrupt, incomplete, or was written by another model. */
export class CheckpointError extends TmlError {
  constructor(message: string, options?: TmlErrorOptions) {
    super("CHECKPOINT", message, options);
  }
}

/** A tensor backend is unknown or failed to load. */
export class BackendError extends TmlError {
  constructor(message: string, options?: TmlErrorOptions) {
    super("BACKEND", message, options);
  }
}

/** Training produced a non-finite loss; `details.step` and `details.checkpoint` say where. */
export class NumericError extends TmlError {
  constructor(message: string, options?: TmlErrorOptions) {
    super("NUMERIC", message, options);
  }
}

/** Throws an INTERNAL TmlError when `condition` is false; the message is built lazily. */
export function assert(condition: unknown, message: () => string): asserts condition {
  if (!condition) throw new TmlError("INTERNAL", message());
}

/**
 * The environment refused an operation: a read-only or full file system, a file where a directory
 * belongs, no permission, or memory exhausted. `details.path` names the file when known.
 */
export class IoError extends TmlError {
  constructor(message: string, options?: TmlErrorOptions) {
    super("IO", message, options);
  }
}
