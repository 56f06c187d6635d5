import { getFlag } from "../flags/flags.js";
import type { LogLevel } from "./log-level.js";

export type { LogLevel };

const LEVEL_ORDER: Record<LogLevel, number> = {
  debug: 10,
  info: 20,
  warn: 30,
  error: 40,
  silent: 100,
};

/** Structured logger used across tml-ts. Fields are printed as `key=value` or JSON members. */
export interface Logger {
  readonly level: LogLevel;
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
  /** A logger writing to the same sink with `name` appended (`trainer:twhin`). */
  child(name: string): Logger;
}

/** Where log lines go; anything with a `write(text)` (process.stderr by default). */
export interface LogSink {
  write(text: string): unknown;
  isTTY?: boolean;
}

/** Options of `createLogger`. */
export interface LoggerOptions {
  /** Component name shown with every line. */
  name?: string;
  /** Minimum level; defaults to `TML_LOG_LEVEL` or `info`. */
  level?: LogLevel;
  /** JSON lines (one object per line); defaults to true when the sink is not a TTY. */
  json?: boolean;
  /** Destination; defaults to process.stderr so stdout stays free for results. */
  sink?: LogSink;
}

function formatValue(value: unknown): string {
  if (typeof value === "number")
    return Number.isInteger(value) ? String(value) : value.toPrecision(5);
  if (typeof value === "string") return /\s/.test(value) ? JSON.stringify(value) : value;
  if (value instanceof Error) return JSON.stringify(value.message);
  return JSON.stringify(value);
}

/**
 * Creates a logger: human lines (`12:00:01 INFO  [trainer] message key=value`) on a terminal, JSON
 * lines otherwise (CI, files). A warning identical to the one just before it is dropped, as the
 * original's logger does, so per-step warnings don't flood the output.
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  const sink = options.sink ?? process.stderr;
  const json = options.json ?? !sink.isTTY;
  const level = options.level ?? getFlag("TML_LOG_LEVEL");
  const state = { lastWarning: "" };
  return makeLogger(options.name ?? "tml", level, json, sink, state);
}

function makeLogger(
  name: string,
  level: LogLevel,
  json: boolean,
  sink: LogSink,
  state: { lastWarning: string },
): Logger {
  const threshold = LEVEL_ORDER[level];
  const emit = (
    lineLevel: Exclude<LogLevel, "silent">,
    message: string,
    fields?: Record<string, unknown>,
  ) => {
    if (LEVEL_ORDER[lineLevel] < threshold) return;
    if (lineLevel === "warn") {
      const key = `${name}\u0000${message}`;
      if (key === state.lastWarning) return;
      state.lastWarning = key;
    } else {
      state.lastWarning = "";
    }
    const time = new Date();
    if (json) {
      const record = { time: time.toISOString(), level: lineLevel, name, msg: message, ...fields };
      sink.write(
        `${JSON.stringify(record, (_key, value) => (value instanceof Error ? value.message : value))}\n`,
      );
      return;
    }
    const extras = fields
      ? Object.entries(fields)
          .map(([key, value]) => ` ${key}=${formatValue(value)}`)
          .join("")
      : "";
    const clock = time.toTimeString().slice(0, 8);
    sink.write(`${clock} ${lineLevel.toUpperCase().padEnd(5)} [${name}] ${message}${extras}\n`);
  };
  return {
    level,
    debug: (message, fields) => emit("debug", message, fields),
    info: (message, fields) => emit("info", message, fields),
    warn: (message, fields) => emit("warn", message, fields),
    error: (message, fields) => emit("error", message, fields),
    child: (childName) => makeLogger(`${name}:${childName}`, level, json, sink, state),
  };
}

/** A logger that drops everything (tests, library defaults). */
export const silentLogger: Logger = createLogger({
  level: "silent",
  sink: { write: () => undefined },
});
