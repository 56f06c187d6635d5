export { environmentError } from "./environment-error.js";
export {
  assert,
  BackendError,
  CheckpointError,
  ConfigError,
  DataError,
  IoError,
  NotFoundError,
  NumericError,
  UsageError,
} from "./errors.js";
export {
  EXIT_CODES,
  exitCodeFor,
  TmlError,
  type TmlErrorCode,
  type TmlErrorOptions,
} from "./tml-error.js";
