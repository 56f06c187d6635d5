import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** The built CLI (`pnpm --filter trainer... build`); the process tests skip without it. */
export const BUILT_CLI = fileURLToPath(new URL("../../dist/main.js", import.meta.url));

/** Whether `BUILT_CLI` exists (warns once per test file when it does not). */
export function cliIsBuilt(): boolean {
  const built = existsSync(BUILT_CLI);
  if (!built) console.warn(`${BUILT_CLI} is not built: process tests are skipped.`);
  return built;
}

/** How a trainer process ended. */
export interface TrainerExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** `performance.now()` when it exited. */
  endedAt: number;
}

/** Options of `runTrainer`. */
export interface RunTrainerOptions {
  /** Extra environment variables (the test's environment is passed on). */
  env?: Record<string, string>;
  /** Called with all stderr so far after each chunk (e.g. to signal on a progress line). */
  onStderr?: (text: string, child: ChildProcess) => void;
}

/** Runs the built trainer CLI with `args` until it exits. */
export function runTrainer(args: readonly string[], options: RunTrainerOptions = {}) {
  const child = spawn(process.execPath, [BUILT_CLI, ...args], {
    env: { ...process.env, ...options.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
    options.onStderr?.(stderr, child);
  });
  return new Promise<TrainerExit>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code, signal) =>
      resolve({ code, signal, stdout, stderr, endedAt: performance.now() }),
    );
  });
}

/**
 * Runs the trainer and sends it SIGTERM once stderr matches `progress` (and again once it says
 * it is stopping, when `twice`); returns its exit and the milliseconds from the first signal to
 * the exit.
 */
export async function stopTrainer(
  args: readonly string[],
  progress: RegExp,
  twice = false,
): Promise<TrainerExit & { latencyMs: number }> {
  let signalledAt: number | undefined;
  let again = false;
  const exit = await runTrainer(args, {
    onStderr: (text, child) => {
      if (signalledAt === undefined && progress.test(text)) {
        signalledAt = performance.now();
        child.kill("SIGTERM");
      } else if (twice && !again && /SIGTERM: stopping/.test(text)) {
        again = true;
        child.kill("SIGTERM");
      }
    },
  });
  if (signalledAt === undefined) throw new Error(`no progress line matched:\n${exit.stderr}`);
  return { ...exit, latencyMs: exit.endedAt - signalledAt };
}
