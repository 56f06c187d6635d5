// The PyTorch reference of `pnpm bench`: reference/torch_cases.py once per thread setting, each in
// a fresh Python process (the pools read their variables when the libraries load).
import { spawnSync } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { findTorchPython } from "@tml/core/testing";
import { writeReferenceArchitectures } from "../reference/architectures.mjs";

/**
 * The settings, in the order they run (names as in torch_cases.py's SETTINGS):
 * threads1 (every pool at 1), default (as installed), nproc (every pool at nproc), and
 * torch1-blas-default (torch at 1 thread, OpenBLAS's own pool), which is skipped as identical to
 * "default" where torch's default is already one thread.
 */
export const REFERENCE_SETTINGS = ["threads1", "default", "nproc", "torch1-blas-default"];

const SCRIPT = join(import.meta.dirname, "..", "reference", "torch_cases.py");
const SETTING_TIMEOUT_MS = 15 * 60 * 1000;

function runSetting(python, setting, names, { threads, dataDir, architectures }) {
  const output = join(tmpdir(), `tml-bench-reference-${process.pid}-${setting}.json`);
  const args = [SCRIPT, "--output", output, "--setting", setting, "--threads", String(threads)];
  if (dataDir) args.push("--data-dir", dataDir);
  if (architectures) args.push("--architectures", architectures);
  const child = spawnSync(python, [...args, ...names], {
    stdio: ["ignore", "inherit", "inherit"],
    timeout: SETTING_TIMEOUT_MS,
  });
  try {
    if (child.status !== 0) {
      const why =
        child.error?.message ??
        (child.signal ? `killed by ${child.signal}` : `exit ${child.status}`);
      return { available: false, reason: `torch_cases.py --setting ${setting}: ${why}` };
    }
    return JSON.parse(readFileSync(output, "utf8"));
  } catch (error) {
    return { available: false, reason: `torch_cases.py --setting ${setting}: ${error}` };
  } finally {
    rmSync(output, { force: true });
  }
}

/** Cases whose PyTorch model is built from the package's configs (torch_cases.py --architectures). */
const NEEDS_ARCHITECTURES = /^(heavy_ranker_(?!proxy)|frappe_)/;

/**
 * Runs the reference cases `names` under every setting. Returns `{ available: false, reason }`
 * when no interpreter has torch or the first setting fails; else `{ available: true, python,
 * torch, blas, settings: [{ name, description, torchThreads, blasThreads, environment, cases }
 * | { name, sameAs, reason } | { name, failed }] }`. `threads` is nproc; `dataDir` the shared data
 * folder (the Frappe case), or undefined. When the architectures cannot be written (a config
 * that no longer loads), the cases that need them are left out with a logged reason.
 */
export async function runReference(names, { threads, dataDir, log = () => {} }) {
  const python = findTorchPython();
  if (!python.command) return { available: false, reason: python.description };
  let architectures;
  let asked = names;
  if (names.some((name) => NEEDS_ARCHITECTURES.test(name))) {
    // The Heavy Ranker and Frappe cases build their PyTorch models from the package's own configs.
    const path = join(tmpdir(), `tml-bench-architectures-${process.pid}.json`);
    try {
      await writeReferenceArchitectures(path);
      architectures = path;
    } catch (error) {
      asked = names.filter((name) => !NEEDS_ARCHITECTURES.test(name));
      log(`bench: no PyTorch reference for the Heavy Ranker and Frappe cases: ${error}\n`);
      if (asked.length === 0) return { available: false, reason: `architectures: ${error}` };
    }
  }
  try {
    return runSettings(python, asked, { threads, dataDir, architectures, log });
  } finally {
    if (architectures) rmSync(architectures, { force: true });
  }
}

function runSettings(python, names, { threads, dataDir, architectures, log }) {
  const settings = [];
  for (const setting of REFERENCE_SETTINGS) {
    const defaults = settings.find((entry) => entry.name === "default");
    if (setting === "torch1-blas-default" && defaults?.torchThreads === 1) {
      settings.push({
        name: setting,
        sameAs: "default",
        reason: "torch's default thread count is 1 here, so this is the default setting",
      });
      continue;
    }
    log(`bench: PyTorch reference, setting ${setting} …\n`);
    const outcome = runSetting(python.command, setting, names, {
      threads,
      dataDir,
      architectures,
    });
    if (!outcome.available) {
      if (settings.length === 0) return { available: false, reason: outcome.reason };
      settings.push({ name: setting, failed: outcome.reason });
      continue;
    }
    const { available: _, setting: name, ...rest } = outcome;
    settings.push({ name, ...rest });
  }
  const first = settings[0];
  return {
    available: true,
    python: python.command,
    torch: first.torch,
    blas: first.blas,
    settings,
  };
}

/**
 * A case's reference figures by setting (`{ threads1: v, default: v, … }`), under `key` in the
 * settings that measured it in `unit` (a setting `sameAs` another is not repeated): the medians,
 * or with `field: "best"` the best repeats of the cases that report one (the sgemm peak's).
 */
export function referenceFigures(reference, key, unit, field = "value") {
  const figures = {};
  if (!reference.available) return figures;
  for (const setting of reference.settings) {
    const figure = setting.cases?.[key];
    if (figure && figure.unit === unit && Number.isFinite(figure[field]))
      figures[setting.name] = figure[field];
  }
  return figures;
}
