import type { CliIo } from "../cli-io.js";

/** A CLI `io` that records what the command writes, for tests of `main(argv, io)`. */
export function capture(): { io: CliIo; out(): string; err(): string } {
  const out: string[] = [];
  const err: string[] = [];
  return {
    io: { stdout: (t: string) => void out.push(t), stderr: (t: string) => void err.push(t) },
    out: () => out.join(""),
    err: () => err.join(""),
  };
}
