import { IoError, NotFoundError } from "./errors.js";
import { TmlError } from "./tml-error.js";

/** What each system error code means for the user, given the path it concerns. */
const ERRNO_MESSAGES: Readonly<Record<string, (path: string) => string>> = {
  EACCES: (path) => `no permission to write or read ${path}: choose a writable location`,
  EPERM: (path) => `the operation on ${path} is not permitted: choose a writable location`,
  EROFS: (path) => `${path} is on a read-only file system: choose a writable location`,
  ENOSPC: (path) => `no space left on the device holding ${path}: free space or choose another`,
  EDQUOT: (path) => `the disk quota is exhausted writing ${path}: free space or choose another`,
  EFBIG: (path) => `${path} would exceed the largest file the file system allows`,
  ENOTDIR: (path) => `a part of ${path} is a file, not a directory: choose another location`,
  EISDIR: (path) => `${path} is a directory where a file was expected`,
  EEXIST: (path) => `${path} already exists and is not a directory: choose another location`,
  ENAMETOOLONG: (path) => `the path ${path} is too long for the file system`,
  ELOOP: (path) => `${path} has too many levels of symbolic links`,
  EMFILE: (path) => `too many open files (at ${path}): raise the limit (ulimit -n)`,
  ENFILE: (path) => `the system has too many open files (at ${path}): try again later`,
  EIO: (path) => `the device holding ${path} reported an I/O error`,
  ENOMEM: (path) => `the system is out of memory (at ${path})`,
};

// What V8 says when an ArrayBuffer or a WebAssembly memory cannot be as large as asked.
const OUT_OF_MEMORY =
  /WebAssembly\.Memory|Wasm memory|Array buffer allocation failed|Maximum memory size exceeded|Out of memory/i;

/**
 * The typed error a failure of the environment deserves, or undefined when `error` is not one: a
 * Node system error (`EACCES`, `EROFS`, `ENOSPC`, `ENOTDIR`, …) becomes an `IoError` naming its
 * path (`ENOENT` a `NotFoundError`), and an allocation V8 or WebAssembly refused becomes an
 * `IoError` that says to lower the batch size. TmlErrors are returned unchanged. `path` names the
 * file when the system error has none (writes through a file descriptor). Writers apply it where
 * they know the path; the CLIs apply it to whatever reaches them, so nothing is left out.
 */
export function environmentError(error: unknown, path?: string): TmlError | undefined {
  if (TmlError.isInstance(error)) return error;
  if (!(error instanceof Error)) return undefined;
  const system = error as NodeJS.ErrnoException & { dest?: string };
  if (typeof system.code === "string") {
    const where = system.path ?? system.dest ?? path ?? "(unknown path)";
    const options = { cause: error, details: { path: where, errno: system.code } };
    if (system.code === "ENOENT")
      return new NotFoundError(`${where} does not exist (${system.syscall ?? "access"})`, options);
    const message = ERRNO_MESSAGES[system.code];
    if (message) return new IoError(`${message(where)} (${system.code})`, options);
    return undefined;
  }
  if (error instanceof RangeError && OUT_OF_MEMORY.test(error.message)) {
    return new IoError(
      `out of memory: ${error.message}. Lower the batch size (or the sizes that scale with it).`,
      { cause: error },
    );
  }
  return undefined;
}
