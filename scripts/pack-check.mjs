#!/usr/bin/env node
// Packs every publishable package with `pnpm pack` (which rewrites workspace: and catalog:
// ranges to real versions), installs the tarballs into a scratch project outside the workspace
// with npm, and imports each package there: what an npm user gets is what we test.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const root = resolve(import.meta.dirname, "..");
const packagesDir = join(root, "packages");
const scratch = mkdtempSync(join(tmpdir(), "tml-pack-check-"));
// onnxruntime-node (an optional dependency of @tml/core) downloads CUDA binaries in its install
// script unless told to skip; users offline do the same (README).
const env = { ...process.env, ONNXRUNTIME_NODE_INSTALL: "skip" };
const run = (cmd, args, cwd) =>
  execFileSync(cmd, args, { cwd, env, stdio: ["ignore", "pipe", "inherit"], encoding: "utf8" });

try {
  const packages = readdirSync(packagesDir).flatMap((dir) => {
    const manifest = JSON.parse(readFileSync(join(packagesDir, dir, "package.json"), "utf8"));
    if (manifest.private === true) return []; // workspace-only (@tml/cli-kit): never published
    run("pnpm", ["pack", "--pack-destination", scratch], join(packagesDir, dir));
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
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
