import { environmentError, exitCodeFor, TmlError } from "@tml/core";

/** Where a CLI run writes and how it can be stopped; injected so tests can capture everything. */
export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  /** Whether stderr is a terminal (progress bar redrawn in place instead of log lines). */
  isTTY?: boolean;
  /** Terminal width in columns. */
  columns?: number;
  /** Fires on Ctrl-C / SIGTERM: training stops after the current step and checkpoints. */
  signal?: AbortSignal;
}

/**
 * The real process streams. A reader that went away (`trainer --help | head -1`) is no error of
 * the program: writes to a closed pipe (EPIPE) are dropped instead of crashing with a stack.
 */
export function processIo(signal?: AbortSignal): CliIo {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on("error", (error: NodeJS.ErrnoException) => {
      if (error.code !== "EPIPE") throw error;
    });
  }
  return {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    isTTY: process.stderr.isTTY === true,
    ...(process.stderr.columns ? { columns: process.stderr.columns } : {}),
    ...(signal ? { signal } : {}),
  };
}

/**
 * Turns a thrown error into what the user sees: one line on stderr (`<program>: <message>`), or
 * cuda-check's full report when the GPU is not ready, and returns the documented exit code
 * (`exitCodeFor`: usage 2, config 3, not found 4, data 5, checkpoint 6, backend 7, GPU 8,
 * numeric 9, I/O 10, anything else 70 with the stack, since it is a bug). A failure of the
 * environment (read-only or full disk, a file in the way, memory) is reported as its typed error
 * (`environmentError`), not as a bug.
 */
export function reportError(program: string, thrown: unknown, io: CliIo): number {
  const error = environmentError(thrown) ?? thrown;
  const code = exitCodeFor(error);
  if (TmlError.isInstance(error, "GPU_NOT_READY")) {
    io.stderr(`${program}: ${error.message}\n`);
  } else if (TmlError.isInstance(error)) {
    const oneLine = error.message
      .split("\n")
      .map((line) => line.trim())
      .filter((line) => line !== "")
      .join("; ");
    io.stderr(`${program}: ${oneLine}\n`);
  } else {
    const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
    io.stderr(`${program}: internal error (please report it): ${text}\n`);
  }
  return code;
}

/** Runs a command body and maps success to 0 and failures through `reportError`. */
export async function runCli(
  program: string,
  io: CliIo,
  body: () => Promise<number | undefined>,
): Promise<number> {
  try {
    return (await body()) ?? 0;
  } catch (error) {
    return reportError(program, error, io);
  }
}
