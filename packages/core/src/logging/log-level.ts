/** Log levels, most verbose first; `silent` as a logger level prints nothing. */
export type LogLevel = "debug" | "info" | "warn" | "error" | "silent";
