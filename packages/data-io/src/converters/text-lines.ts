import { createReadStream, statSync } from "node:fs";
import { createInterface } from "node:readline";
import { createGunzip } from "node:zlib";
import { DataError, NotFoundError } from "@tml/core";

/** One line of a text file with its 1-based line number (CR of CRLF endings removed). */
export interface NumberedLine {
  text: string;
  number: number;
}

/**
 * Streams the lines of a text file, gunzipping `.gz` files on the fly. A missing file is a
 * NotFoundError; a corrupt gzip stream a DataError naming the file. `encoding` "latin1" reads
 * ISO-8859-1 files (MovieLens u.item).
 */
export async function* readTextLines(
  path: string,
  encoding: "utf8" | "latin1" = "utf8",
): AsyncGenerator<NumberedLine> {
  assertFile(path);
  const raw = createReadStream(path);
  const stream = path.endsWith(".gz") ? raw.pipe(createGunzip()) : raw;
  stream.setEncoding(encoding);
  let failure: Error | undefined;
  raw.on("error", (error) => {
    failure = error;
  });
  stream.on("error", (error: Error) => {
    failure = error;
  });
  const lines = createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY });
  let number = 0;
  try {
    for await (const line of lines) {
      number++;
      yield { text: line.endsWith("\r") ? line.slice(0, -1) : line, number };
    }
  } catch (error) {
    failure = error as Error;
  } finally {
    lines.close();
    raw.destroy();
  }
  if (failure) {
    throw new DataError(
      `Cannot read ${path} after line ${number}: ${failure.message}; is the file complete?`,
      {
        cause: failure,
        details: { file: path, line: number },
      },
    );
  }
}

/** Throws NotFoundError unless `path` is an existing regular file. */
export function assertFile(path: string): void {
  let isFile = false;
  try {
    isFile = statSync(path).isFile();
  } catch {
    isFile = false;
  }
  if (!isFile) {
    throw new NotFoundError(
      `Input file ${path} does not exist; check --in (see each dataset's SOURCE.md for the expected files).`,
      {
        details: { file: path },
      },
    );
  }
}

/** A DataError pointing at `file:line` with what was expected and what was found. */
export function lineError(file: string, line: number, message: string): DataError {
  return new DataError(`${file}:${line}: ${message}`, { details: { file, line } });
}
