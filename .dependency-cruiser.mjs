// The layering of tml-ts, checked by `pnpm lint` (dependency-cruiser). Data flows one way through
// the stages below; a package imports only packages of earlier stages, and only through their
// `exports` entry points. Tests follow the same rules as the code they test.
// Rule names and messages are what a failing `pnpm lint` prints: they say which way is allowed.
import { readdirSync } from "node:fs";

/** The stages in order, each with the packages (folders under packages/) that form it. */
const STAGES = [
  { stage: "cuda-check", packages: ["cuda-check"] },
  { stage: "foundation", packages: ["core"] },
  { stage: "engine", packages: ["engine"] },
  { stage: "training", packages: ["training"] },
  { stage: "reports", packages: ["reports"] },
  { stage: "data-io", packages: ["data-io"] },
  { stage: "models", packages: ["twhin", "heavy-ranker"] },
  { stage: "cli-kit", packages: ["cli-kit"] },
  { stage: "explorer", packages: ["explorer"] },
];

/** Packages a stage may import although they come earlier: reports and data-io stand apart. */
const ALLOWED_EARLIER = {
  reports: ["core"],
  "data-io": ["core"],
  models: ["cuda-check", "core", "engine", "training", "data-io"],
};

const ORDER =
  "cuda-check → core (foundation) → engine → training → reports → data-io → " +
  "models (twhin, heavy-ranker) → cli-kit (private, shared by the apps) → explorer (private, the browser explorer) → apps (trainer, evaluator)";
/** The apps by package name: an import of an unbuilt app does not resolve to a path. */
const APPS = readdirSync(new URL("apps", import.meta.url));
const app = `(^apps/[^/]+/|^(${APPS.join("|")})$)`;

const anyOf = (names) => `^packages/(${names.join("|")})/`;
const npm = (names) => `(^|/node_modules/)(${names.join("|")})(/|$)`;

const TFJS_AND_NATIVE = ["@tensorflow/[^/]+", "onnxruntime-node", "onnxruntime-web"];
const CHART_RENDERERS = ["vega[a-z-]*", "@resvg/[^/]+"];

// One rule per stage: everything its packages must not import among the other packages.
const stageRules = STAGES.map(({ stage, packages }, index) => {
  const earlier = STAGES.slice(0, index).flatMap((entry) => entry.packages);
  const allowed = ALLOWED_EARLIER[stage] ?? earlier;
  const forbidden = STAGES.flatMap((entry) => entry.packages).filter(
    (name) => !allowed.includes(name),
  );
  return {
    name: `stage-order-${stage}`,
    severity: "error",
    comment:
      `${stage} (${packages.join(", ")}) may import only ${allowed.join(", ") || "no other package"}. ` +
      `Stage order: ${ORDER}; a stage imports only earlier stages (reports and data-io only core; ` +
      "models never reports). Move the shared code to the earlier stage, or pass it in from run/ or an app.",
    from: { path: anyOf(packages) },
    to: { path: anyOf(forbidden), pathNot: "^packages/$1/" },
  };
});

export default {
  forbidden: [
    ...stageRules,
    {
      name: "no-packages-import-apps-or-bench",
      severity: "error",
      comment: `Packages never import apps/ or bench/: they come last. Stage order: ${ORDER}.`,
      from: { path: "^packages/" },
      to: { path: [app, "^bench/", "^@tml/bench$"] },
    },
    {
      name: "no-app-imports-another-app",
      severity: "error",
      comment:
        "An app imports packages only, never another app: move what both need into a package " +
        `(run/ functions of a model package). Stage order: ${ORDER}.`,
      from: { path: "^apps/([^/]+)/" },
      to: { path: app, pathNot: ["^apps/$1/", "^$1$"] },
    },
    {
      name: "no-deep-imports",
      severity: "error",
      comment:
        "Import another package by its name and an entry point of its `exports` map " +
        '("@tml/core", "@tml/engine/testing", "@tml/training/parallel"), never a file inside it (no "../../core/src/…", ' +
        'no "@tml/core/dist/…"). Export what you need from the package\'s index instead.',
      from: { path: "^(packages/[^/]+|apps/[^/]+|bench|scripts)/" },
      to: {
        // A file of another package, or an @tml specifier that is not an entry point.
        path: ["^packages/[^/]+/", "^@tml/[^/]+/(?!(testing|parallel)$)"],
        pathNot: [
          "^$1/",
          "^packages/[^/]+/(src|dist)/(testing/)?index\\.(ts|js|d\\.ts)$",
          "^packages/training/(src|dist)/parallel/index\\.(ts|js|d\\.ts)$",
        ],
      },
    },
    {
      name: "foundation-loads-no-tfjs",
      severity: "error",
      comment:
        "cuda-check, core, reports and data-io load no tfjs and no onnxruntime: they must work " +
        "where tfjs does not. Tensors belong to engine (kernels, backends) or a later stage.",
      from: { path: anyOf(["cuda-check", "core", "reports", "data-io"]) },
      to: { path: npm(TFJS_AND_NATIVE) },
    },
    {
      name: "charts-only-in-reports",
      severity: "error",
      comment:
        "Only @tml/reports renders charts (vega, vega-lite, resvg): installing a model package " +
        "must not pull a chart renderer. Apps that want charts import @tml/reports.",
      from: { pathNot: "^packages/reports/" },
      to: { path: npm(CHART_RENDERERS) },
    },
    {
      name: "no-circular",
      severity: "error",
      comment:
        "Circular import: split the shared part into its own file that both sides import, so " +
        "each file reads after the files it imports.",
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: "(^|/)(node_modules|dist)/" },
    exclude: { path: "^bench/results/" },
    tsPreCompilationDeps: true,
    // Sibling packages resolve to their sources (tsconfig paths), as tests and editors see them.
    tsConfig: { fileName: "tsconfig.base.json" },
    enhancedResolveOptions: {
      exportsFields: ["exports"],
      conditionNames: ["import", "require", "node", "default", "types"],
      extensions: [".ts", ".mts", ".js", ".mjs", ".d.ts", ".json"],
    },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
