#!/usr/bin/env node
// Imports each early-stage package's BUILT entry point in a fresh Node process, records every
// module that process loads (ESM through a resolve hook, CommonJS through require.cache) and fails
// when one of them is a package that stage must not load: importing the foundation loads no tfjs,
// no onnxruntime and no chart renderer. Part of `pnpm test` (turbo task //#foundation-imports).
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";

const root = resolve(import.meta.dirname, "..");

const TFJS = /\/node_modules\/@tensorflow\//;
const ONNXRUNTIME = /\/node_modules\/onnxruntime-[a-z]+\//;
const CHARTS = /\/node_modules\/(vega(-[a-z-]+)?|@resvg\/[^/]+)\//;

/** Each package (folder under packages/) with the modules its entry points must not load. */
const CHECKS = [
  { folder: "cuda-check", forbidden: { tfjs: TFJS, onnxruntime: ONNXRUNTIME, charts: CHARTS } },
  { folder: "core", forbidden: { tfjs: TFJS, onnxruntime: ONNXRUNTIME, charts: CHARTS } },
  { folder: "reports", forbidden: { tfjs: TFJS, onnxruntime: ONNXRUNTIME } },
  { folder: "data-io", forbidden: { tfjs: TFJS, onnxruntime: ONNXRUNTIME, charts: CHARTS } },
];

// Runs in the hooks thread: remembers every resolved URL and hands the list over on request.
const HOOKS = `
const urls = [];
export function initialize({ port }) {
  port.on("message", () => port.postMessage(urls));
  port.unref();
}
export async function resolve(specifier, context, nextResolve) {
  const result = await nextResolve(specifier, context);
  urls.push(result.url);
  return result;
}`;

// Runs in the fresh process, in the package's folder, so its own name resolves through `exports`.
const CHILD = `
import { createRequire, register } from "node:module";
import { MessageChannel } from "node:worker_threads";
const { port1, port2 } = new MessageChannel();
register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(HOOKS)}`)}, {
  data: { port: port2 },
  transferList: [port2],
});
for (const specifier of JSON.parse(process.argv[1])) await import(specifier);
const urls = await new Promise((done) => {
  port1.once("message", done);
  port1.postMessage("list");
});
port1.close();
const required = Object.keys(createRequire(import.meta.url).cache).map((path) => "file://" + path);
process.stdout.write(JSON.stringify([...new Set([...urls, ...required])]));
`;

let failed = false;
for (const { folder, forbidden } of CHECKS) {
  const directory = join(root, "packages", folder);
  const manifest = JSON.parse(readFileSync(join(directory, "package.json"), "utf8"));
  const specifiers = Object.keys(manifest.exports).map((subpath) =>
    subpath === "." ? manifest.name : `${manifest.name}/${subpath.slice(2)}`,
  );
  const loaded = JSON.parse(
    execFileSync(
      process.execPath,
      ["--input-type=module", "-e", CHILD, JSON.stringify(specifiers)],
      {
        cwd: directory,
        encoding: "utf8",
        stdio: ["ignore", "pipe", "inherit"],
      },
    ),
  );
  const ownEntry = loaded.some((url) => url.includes(`/packages/${folder}/dist/`));
  if (!ownEntry) throw new Error(`${manifest.name}: its dist was not loaded (run the build first)`);
  let clean = true;
  for (const [what, pattern] of Object.entries(forbidden)) {
    const offenders = loaded.filter((url) => pattern.test(url));
    if (offenders.length > 0) {
      clean = false;
      console.error(
        `foundation-imports: importing ${specifiers.join(", ")} loads ${what}, which the ` +
          `${folder} stage must not load (stage order: cuda-check → core → engine → training → ` +
          `reports → data-io → models → apps). First modules:\n  ${offenders.slice(0, 5).join("\n  ")}`,
      );
    }
  }
  failed ||= !clean;
  if (clean) {
    console.log(
      `foundation-imports: ${specifiers.join(", ")} load ${loaded.length} modules, none of ${Object.keys(forbidden).join(", ")}`,
    );
  }
}
if (failed) process.exit(1);
