#!/usr/bin/env node
// Packs every publishable package with `pnpm pack` (which rewrites workspace: and catalog:
// ranges to real versions), installs the tarballs into a scratch project outside the workspace
// with npm, and imports each package there: what an npm user gets is what we test. Then each
// model package is installed alone (with the workspace packages it depends on) into a clean
// project, where no chart renderer may appear: only @tml/reports, used by the apps, brings one.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const root = resolve(import.meta.dirname, "..");
const packagesDir = join(root, "packages");
const scratch = mkdtempSync(join(tmpdir(), "tml-pack-check-"));
// onnxruntime-node (an optional dependency of @tml/engine) downloads CUDA binaries in its install
// script unless told to skip; users offline do the same (README).
const env = { ...process.env, ONNXRUNTIME_NODE_INSTALL: "skip" };
const run = (cmd, args, cwd) =>
  execFileSync(cmd, args, { cwd, env, stdio: ["ignore", "pipe", "inherit"], encoding: "utf8" });
const MODELS = ["@tml/twhin", "@tml/heavy-ranker"];
const CHART_RENDERERS = ["vega", "vega-lite", "@resvg/resvg-js"];
/** Tarball file name of each packed package, by package name. */
const tarballOf = new Map();

/** `name` and the workspace packages it depends on, directly or not. */
function withWorkspaceDependencies(name, manifests) {
  const names = new Set([name]);
  for (const current of names) {
    const manifest = manifests.find((candidate) => candidate.name === current);
    const dependencies = { ...manifest.dependencies, ...manifest.optionalDependencies };
    for (const dependency of Object.keys(dependencies)) {
      if (tarballOf.has(dependency)) names.add(dependency);
    }
  }
  return [...names];
}

/** Installs only `model` and its workspace dependencies into a clean project; fails on a chart renderer. */
function checkInstallsAlone(model, manifests) {
  const names = withWorkspaceDependencies(model, manifests);
  const project = join(scratch, `alone-${model.split("/")[1]}`);
  mkdirSync(project);
  writeFileSync(join(project, "package.json"), JSON.stringify({ name: "scratch", private: true, type: "module" }));
  const tarballs = names.map((name) => join(scratch, tarballOf.get(name)));
  run("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error", ...tarballs], project);
  if (!existsSync(join(project, "node_modules", model))) throw new Error(`pack-check: ${model} did not install`);
  const lock = JSON.parse(readFileSync(join(project, "node_modules", ".package-lock.json"), "utf8"));
  const installed = Object.keys(lock.packages);
  const renderers = installed.filter((path) => CHART_RENDERERS.some((renderer) => path.endsWith(`node_modules/${renderer}`)));
  if (renderers.length > 0) {
    throw new Error(
      `pack-check: installing ${model} (with ${names.join(", ")}) installs a chart renderer: ${renderers.join(", ")}. ` +
        "Models never depend on @tml/reports; only the apps do (stage order in CONTRIBUTING.md).",
    );
  }
  console.log(`pack-check: ${model} installs alone (${installed.length} packages), no chart renderer`);
}

try {
  const packages = readdirSync(packagesDir).flatMap((dir) => {
    const manifest = JSON.parse(readFileSync(join(packagesDir, dir, "package.json"), "utf8"));
    if (manifest.private === true) return []; // workspace-only (@tml/cli-kit): never published
    const before = new Set(readdirSync(scratch));
    run("pnpm", ["pack", "--pack-destination", scratch], join(packagesDir, dir));
    tarballOf.set(manifest.name, readdirSync(scratch).find((name) => !before.has(name)));
    return [manifest];
  });
  const tarballs = readdirSync(scratch).filter((name) => name.endsWith(".tgz"));
  writeFileSync(join(scratch, "package.json"), JSON.stringify({ name: "scratch", private: true, type: "module" }));
  run("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error", ...tarballs.map((t) => `./${t}`)], scratch);
  for (const manifest of packages) {
    for (const subpath of Object.keys(manifest.exports ?? { ".": null })) {
      const specifier = subpath === "." ? manifest.name : `${manifest.name}/${subpath.slice(2)}`;
      const script = `const m = await import(${JSON.stringify(specifier)}); if (Object.keys(m).length === 0) { console.error("no exports"); process.exit(1); }`;
      run("node", ["--input-type=module", "-e", script], scratch);
      console.log(`pack-check: ${specifier} installs from its tarball and imports`);
    }
    for (const bin of Object.keys(manifest.bin ?? {})) {
      run(join(scratch, "node_modules", ".bin", bin), ["--help"], scratch);
      console.log(`pack-check: bin ${bin} runs`);
    }
  }
  for (const model of MODELS) checkInstallsAlone(model, packages);
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
