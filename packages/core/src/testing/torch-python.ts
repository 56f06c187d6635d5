import { spawnSync } from "node:child_process";

/** A Python interpreter that imports PyTorch, or why none was found. */
export interface TorchPython {
  /** The interpreter to run (absent when none imports torch). */
  readonly command?: string;
  /** torch's version (absent when none imports torch). */
  readonly version?: string;
  /** torch's version, or why no interpreter could import it. */
  readonly description: string;
}

// Debian's python3-torch installs into the system Python (/usr/bin/python3), which a pyenv or venv
// `python3` earlier on PATH hides: the first interpreter that imports torch wins.

/** Interpreters tried in order: `TML_TORCH_PYTHON` alone when set, else PATH's `python3`, then Debian's. */
export function torchPythonCandidates(env: NodeJS.ProcessEnv = process.env): string[] {
  const named = env["TML_TORCH_PYTHON"];
  return named ? [named] : ["python3", "/usr/bin/python3"];
}

/**
 * The first of `torchPythonCandidates(env)` that runs `import torch`, with torch's version;
 * otherwise the reason for each, so parity tests skip and the bench runs without its reference,
 * each with a notice. Shared by the parity tests and `pnpm bench`.
 */
export function findTorchPython(env: NodeJS.ProcessEnv = process.env): TorchPython {
  const failures: string[] = [];
  for (const command of torchPythonCandidates(env)) {
    const probe = spawnSync(command, ["-c", "import torch; print(torch.__version__)"], {
      encoding: "utf8",
      timeout: 60_000,
    });
    if (!probe.error && probe.status === 0) {
      const version = probe.stdout.trim();
      return { command, version, description: `torch ${version}` };
    }
    const why =
      probe.error?.message ?? probe.stderr.trim().split("\n").at(-1) ?? `exit ${probe.status}`;
    failures.push(`${command}: ${why}`);
  }
  return {
    description: `no Python with PyTorch (${failures.join("; ")}); on Debian: apt-get install python3-torch libopenblas0-pthread, or name an interpreter in TML_TORCH_PYTHON`,
  };
}

/**
 * Runs a Python script with `python` (from `findTorchPython`) and returns its stdout; throws with
 * the script's stderr when it fails or runs past `timeoutMs` (default 120 s).
 */
export function runPythonScript(
  python: string,
  script: string,
  args: readonly string[],
  timeoutMs = 120_000,
): string {
  const run = spawnSync(python, [script, ...args], {
    encoding: "utf8",
    timeout: timeoutMs,
    maxBuffer: 64 * 1024 * 1024,
  });
  if (run.error || run.status !== 0) {
    const why = run.error?.message ?? `exit ${run.status}`;
    throw new Error(`${script} failed (${why}):\n${run.stderr}`);
  }
  return run.stdout;
}
