// Which Python interpreter runs the PyTorch reference. Debian's python3-torch installs into the
// system Python (/usr/bin/python3), which a pyenv or venv `python3` earlier on PATH hides: the
// first interpreter that can import torch wins.
import { spawnSync } from "node:child_process";

/** Interpreters tried in order: TML_BENCH_PYTHON alone when set, else PATH's python3, then Debian's. */
export function pythonCandidates(env = process.env) {
  if (env.TML_BENCH_PYTHON) return [env.TML_BENCH_PYTHON];
  return ["python3", "/usr/bin/python3"];
}

/** Whether `command` imports torch: `{ ok: true, version }` or `{ ok: false, reason }`. */
function probeTorch(command) {
  const probe = spawnSync(command, ["-c", "import torch; print(torch.__version__)"], {
    encoding: "utf8",
    timeout: 60_000,
  });
  if (probe.error) return { ok: false, reason: probe.error.message };
  if (probe.status !== 0) {
    const lastLine = probe.stderr.trim().split("\n").at(-1) ?? `exit ${probe.status}`;
    return { ok: false, reason: lastLine };
  }
  return { ok: true, version: probe.stdout.trim() };
}

/**
 * The first candidate interpreter with torch: `{ command, torch }`, or `{ reason }` listing why
 * each candidate failed (the bench then runs without a reference and says so).
 */
export function findTorchPython(env = process.env) {
  const failures = [];
  for (const command of new Set(pythonCandidates(env))) {
    const probe = probeTorch(command);
    if (probe.ok) return { command, torch: probe.version };
    failures.push(`${command}: ${probe.reason}`);
  }
  return {
    reason: `no Python with PyTorch (${failures.join("; ")}); on Debian: apt-get install python3-torch libopenblas0-pthread, or set TML_BENCH_PYTHON`,
  };
}
