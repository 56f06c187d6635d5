import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { evaluateTwhinRun } from "@tml/cli-kit";
import { capture } from "@tml/cli-kit/testing";
import { loadConfigFile } from "@tml/core";
import { sharedDataDir } from "@tml/core/testing";
import { readMetricsLog } from "@tml/reports";
import { twhinConfigSchema } from "@tml/twhin";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "./cli.js";
import type { KgResults } from "./pipeline/kg-results.js";

let dir: string;

/**
 * A 30-entity, 3-relation graph with structure to learn (r0: i -> i+1, r1: i -> i+2, r2: i -> 7i,
 * mod 30), split 70 / 10 / 10, plus the cases the command must keep and count: valid and test
 * triples with an entity unseen in train, a valid triple with a relation unseen in train, a train
 * and a test triple twice, a test triple that is also a train triple.
 */
function writeTinyGraph(path: string, options: { valid?: boolean } = {}): void {
  const triples: string[] = [];
  for (let i = 0; i < 30; i++) {
    triples.push(`e${i}\tr0\te${(i + 1) % 30}`);
    triples.push(`e${i}\tr1\te${(i + 2) % 30}`);
    triples.push(`e${i}\tr2\te${(i * 7) % 30}`);
  }
  // A fixed shuffle (a step coprime with 90).
  const shuffled = triples.map((_, i) => triples[(i * 37) % 90]!);
  const train = [...shuffled.slice(0, 70), shuffled[0]!];
  const test = [...shuffled.slice(80), "e3\tr0\tunseen", shuffled[1]!, shuffled[80]!];
  const valid = [...shuffled.slice(70, 80), "e4\tr0\tunseen-too", "e5\tr-new\te6"];
  mkdirSync(path, { recursive: true });
  writeFileSync(join(path, "train.txt"), `${train.join("\n")}\n`);
  if (options.valid !== false) writeFileSync(join(path, "valid.txt"), `${valid.join("\n")}\n`);
  writeFileSync(join(path, "test.txt"), `${test.join("\n")}\n`);
}

/** The transe recipe, small: dim 16, 16 negatives, batches of 20, one thread. */
const small = [
  "--recipe",
  "transe",
  "--device",
  "cpu",
  "--deterministic",
  "--set",
  "model.embeddings.tables.0.embedding_dim=16",
  "--set",
  "train_data.global_negatives=16",
  "--set",
  "train_data.per_replica_batch_size=20",
];
/** `small`, validating every 2 epochs. */
const tiny = [
  ...small,
  "--set",
  "validation_data.per_replica_batch_size=20",
  "--set",
  "model_selection.eval_every_n_epochs=2",
];

async function kg(args: string[]) {
  const io = capture();
  const code = await main(["kg", ...args], io.io);
  return { code, out: io.out(), err: io.err() };
}

const results = (out: string) =>
  JSON.parse(readFileSync(join(out, "results.json"), "utf8")) as KgResults;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "tml-kg-cli-"));
  writeTinyGraph(join(dir, "tiny"));
});

describe("trainer kg", () => {
  it("trains a recipe on a TSV directory and writes results.json, tested on the best checkpoint", async () => {
    const out = join(dir, "run");
    const run = await kg([
      "--data",
      join(dir, "tiny"),
      "--out",
      out,
      ...tiny,
      "--set",
      "training.num_epochs=8",
    ]);
    expect(run.err).not.toMatch(/^trainer: /m);
    expect(run.code).toBe(0);
    expect(run.out).toMatch(/kg transe completed at step 32 \(8\.0 epochs\)/);
    const r = results(out);
    for (const key of ["mrr", "mr", "hits@1", "hits@3", "hits@10"] as const) {
      expect(r.test[key]).toBeGreaterThan(0);
      for (const direction of [r.test_per_direction.tail, r.test_per_direction.head])
        expect(direction[key]).toBeGreaterThan(0);
    }
    expect(r.test.mrr).toBeLessThanOrEqual(1);
    expect(r.test["hits@1"]).toBeLessThanOrEqual(r.test["hits@10"]);
    expect(r.test.mr).toBeGreaterThanOrEqual(1);
    // Every test triple is ranked, the one with an unseen entity included, in both directions.
    expect(r.test.queries).toBe(26);
    expect(r.test_per_direction.tail.queries).toBe(13);
    expect(r.counts).toEqual({
      entities: 32,
      relations: 4,
      triples: { train: 71, valid: 12, test: 13 },
      triples_with_unseen_entity: { valid: 1, test: 1 },
      triples_with_unseen_relation: { valid: 1, test: 0 },
      duplicate_triples: { train: 1, valid: 0, test: 1 },
      triples_also_in_train: { valid: 0, test: 1 },
    });
    expect(r).toMatchObject({ status: "completed", steps: 32, workers: 1 });
    expect(r.epochs_trained).toBe(8);
    expect(r.train_seconds).toBeGreaterThan(0);
    expect(r.edges_per_s).toBeGreaterThan(0);
    expect(r.wall_seconds).toBeGreaterThan(r.test_eval_seconds);
    // --set reached the resolved settings; the recipe filled the rest.
    expect(r.recipe.name).toBe("transe");
    expect(r.recipe.settings.model.embeddings.tables[0]!.embedding_dim).toBe(16);
    expect(r.recipe.settings.model.regularization).toBe(0.00005);
    // Relations in name order, the one only valid has included.
    expect(r.recipe.settings.model.relations.map((x) => x.name)).toEqual([
      "r-new",
      "r0",
      "r1",
      "r2",
    ]);
    // The run's config.yaml is a complete TwHIN config (trainer twhin --config takes it).
    const written = loadConfigFile(twhinConfigSchema, join(out, "config.yaml"));
    expect(written.model.embeddings.tables[0]!.embedding_dim).toBe(16);
    // The best validation MRR of metrics.jsonl picked the checkpoint that was tested and exported.
    const evals = readMetricsLog(join(out, "metrics.jsonl")).filter((x) => x.kind === "eval");
    expect(evals.map((x) => x.step)).toEqual([8, 16, 24, 32]);
    const best = evals.reduce((a, b) => (b.metrics["mrr"]! > a.metrics["mrr"]! ? b : a));
    expect(r.best_validation_mrr).toBe(best.metrics["mrr"]);
    expect(r.checkpoint).toBe(join(out, "checkpoints", String(best.step)));
    expect(r.best_epoch).toBe(best.step / 4);
    expect(readdirSync(join(out, "export")).some((f) => f.endsWith(".parquet"))).toBe(true);
    // The evaluator on the run ranks with the same best checkpoint, data and filters.
    const evaluated = await evaluateTwhinRun({
      checkpoint: out,
      out: join(out, "evaluation"),
      report: false,
      device: "cpu",
      neighbours: 1,
    });
    expect(evaluated.checkpoint).toBe(r.checkpoint);
    expect(evaluated.summary.overall["mrr"]).toBe(r.test.mrr);
    expect(readdirSync(dir).filter((name) => name.includes("-graph-"))).toEqual([]);
  });

  it("stops on patience and tests and exports the best-validation checkpoint, not the last", async () => {
    const out = join(dir, "patience");
    const run = await kg([
      ...["--data", join(dir, "tiny"), "--out", out, ...tiny],
      ...["--set", "training.num_epochs=40", "--set", "model_selection.patience=1"],
    ]);
    expect(run.code).toBe(0);
    const r = results(out);
    expect(r.status).toBe("early_stopped");
    const evals = readMetricsLog(join(out, "metrics.jsonl")).filter((x) => x.kind === "eval");
    expect(evals.at(-1)?.step).toBe(r.steps);
    const best = evals.reduce((a, b) => (b.metrics["mrr"]! > a.metrics["mrr"]! ? b : a));
    expect(best.step).toBeLessThan(r.steps);
    expect(r.checkpoint).toBe(join(out, "checkpoints", String(best.step)));
    expect(r.best_validation_mrr).toBe(best.metrics["mrr"]);
    // The last checkpoint (the step it stopped at) holds other weights: it tests differently.
    const last = await evaluateTwhinRun({
      checkpoint: join(out, "checkpoints", String(r.steps)),
      out: join(out, "evaluation-last"),
      report: false,
      device: "cpu",
      neighbours: 1,
    });
    expect(last.summary.overall["mrr"]).not.toBe(r.test.mrr);
  });

  it("resumes: more epochs continue the run; a finished run only re-tests", async () => {
    const out = join(dir, "resumed");
    const args = ["--data", join(dir, "tiny"), "--out", out, ...tiny];
    expect((await kg([...args, "--set", "training.num_epochs=4"])).code).toBe(0);
    expect(results(out).steps).toBe(16);
    const more = await kg([...args, "--set", "training.num_epochs=8", "--resume"]);
    expect(more.code).toBe(0);
    const log = readMetricsLog(join(out, "metrics.jsonl"));
    expect(log.filter((x) => x.kind === "eval").map((x) => x.step)).toEqual([8, 16, 24, 32]);
    expect(results(out)).toMatchObject({ steps: 32, status: "completed" });
    const again = await kg([...args, "--set", "training.num_epochs=8", "--resume"]);
    expect(again.code).toBe(0);
    expect(results(out)).toMatchObject({ steps: 32, status: "already_finished" });
  });

  it("training.max_train_seconds cuts the run; its best checkpoint is tested", async () => {
    const out = join(dir, "time-limited");
    const args = ["--data", join(dir, "tiny"), "--out", out, ...tiny];
    const cut = await kg([...args, "--set", "training.max_train_seconds=0.000001"]);
    expect(cut.code).toBe(0);
    expect(cut.out).toMatch(/kg transe time limit at step 1 /);
    const r = results(out);
    expect(r).toMatchObject({ status: "time_limit", steps: 1 });
    expect(r.test.queries).toBe(26);
    expect(r.train_seconds).toBeGreaterThan(0.000001);
  });

  it("trains complex as complex-dense on a graph of 100,000 edges and 100 per entity, and says so", async () => {
    // 1,000 entities, relation rk: i -> i + k (mod 1,000) for k = 1..100: 100,000 train triples;
    // 20 valid / 20 test ones i -> i + 500 under r1, none of them a train triple. A small table
    // keeps the 1vsAll products cheap (the thresholds' edges are in recipes.test.ts).
    const n = 1_000;
    const lines = (k: number, offset: number, from: number, to: number) =>
      Array.from(
        { length: to - from },
        (_, j) => `e${from + j}\tr${k}\te${(from + j + offset) % n}`,
      );
    const data = join(dir, "dense");
    mkdirSync(data, { recursive: true });
    const train = Array.from({ length: 100 }, (_, k) => lines(k + 1, k + 1, 0, n)).flat();
    writeFileSync(join(data, "train.txt"), `${train.join("\n")}\n`);
    writeFileSync(join(data, "valid.txt"), `${lines(1, 500, 0, 20).join("\n")}\n`);
    writeFileSync(join(data, "test.txt"), `${lines(1, 500, 20, 40).join("\n")}\n`);
    const out = join(dir, "dense-run");
    const run = await kg([
      ...["--data", data, "--out", out, "--recipe", "complex", "--device", "cpu"],
      ...["--deterministic", "--set", "model.embeddings.tables.0.embedding_dim=8"],
      ...["--set", "training.num_epochs=1", "--set", "train_data.per_replica_batch_size=5000"],
    ]);
    expect(run.err).toMatch(
      /100,000 train edges \(at least 100,000\), 100\.0 per entity \(at least 8\): complex trains as complex-dense/,
    );
    expect(run.code).toBe(0);
    const r = results(out);
    expect(r.recipe).toMatchObject({ name: "complex-dense", requested: "complex" });
    // complex-dense's own settings, under the --set ones.
    const settings = r.recipe.settings;
    expect(settings.model.translation_optimizer.adagrad?.lr).toBe(0.1);
    expect(settings.model.embeddings.tables[0]!.embedding_dim).toBe(8);
    expect(r.steps).toBe(20);
  });

  it("trains complex as complex-small on a dense graph under 50,000 edges, and says so", async () => {
    // 10 entities, relation rk: i -> i + k (mod 10) for k = 1..9; 80 train triples (8 per entity).
    const triples: string[] = [];
    for (let k = 1; k <= 9; k++)
      for (let i = 0; i < 10; i++) triples.push(`e${i}\tr${k}\te${(i + k) % 10}`);
    const shuffled = triples.map((_, i) => triples[(i * 37) % 90]!);
    const data = join(dir, "dense-small");
    mkdirSync(data, { recursive: true });
    writeFileSync(join(data, "train.txt"), `${shuffled.slice(0, 80).join("\n")}\n`);
    writeFileSync(join(data, "valid.txt"), `${shuffled.slice(80, 85).join("\n")}\n`);
    writeFileSync(join(data, "test.txt"), `${shuffled.slice(85).join("\n")}\n`);
    const out = join(dir, "dense-small-run");
    const run = await kg([
      ...["--data", data, "--out", out, "--recipe", "complex", "--device", "cpu"],
      ...["--deterministic", "--set", "model.embeddings.tables.0.embedding_dim=8"],
      ...["--set", "training.num_epochs=1", "--set", "train_data.per_replica_batch_size=40"],
    ]);
    expect(run.code).toBe(0);
    expect(run.err).toMatch(/80 train edges \(under 50,000\): complex trains as complex-small/);
    const r = results(out);
    expect(r.recipe).toMatchObject({ name: "complex-small", requested: "complex" });
    // complex-small's own settings, under the --set ones.
    expect(r.recipe.settings.model.regularization).toBe(0.01);
    expect(r.recipe.settings.model.translation_optimizer.adagrad?.lr).toBe(0.5);
    expect(r.recipe.settings.train_data.per_replica_batch_size).toBe(40);
  });

  it("trains without a validation split: no model selection, the last checkpoint is tested", async () => {
    writeTinyGraph(join(dir, "no-valid"), { valid: false });
    const out = join(dir, "no-valid-run");
    const run = await kg(["--data", join(dir, "no-valid"), "--out", out, ...small]);
    expect(run.err).not.toMatch(/^trainer: /m);
    expect(run.code).toBe(0);
    const r = results(out);
    expect(r.best_epoch).toBeNull();
    expect(r.counts.triples).toEqual({ train: 71, test: 13 });
    expect(r.checkpoint).toBe(join(out, "checkpoints", String(r.steps)));
    // An empty valid.txt is the same as none: nothing to select on, the last checkpoint tested.
    writeFileSync(join(dir, "no-valid", "valid.txt"), "\n");
    const emptyOut = join(dir, "empty-valid-run");
    const empty = await kg(["--data", join(dir, "no-valid"), "--out", emptyOut, ...small]);
    expect(empty.code).toBe(0);
    const e = results(emptyOut);
    expect(e.best_epoch).toBeNull();
    expect(e.counts.triples).toEqual({ train: 71, valid: 0, test: 13 });
    expect(e.checkpoint).toBe(join(emptyOut, "checkpoints", String(e.steps)));
  });

  it("rejects bad input with a typed error and leaves nothing behind", async () => {
    const bad = join(dir, "bad");
    writeTinyGraph(bad);
    writeFileSync(join(bad, "test.txt"), "e1\tr0\te2\ne1\tr0\n");
    const out = join(dir, "bad-run");
    const malformed = await kg(["--data", bad, "--out", out, ...tiny]);
    expect(malformed.code).toBe(5);
    expect(malformed.err).toMatch(/test\.txt:2: expected head<TAB>relation<TAB>tail/);
    writeFileSync(join(bad, "test.txt"), "");
    const empty = await kg(["--data", bad, "--out", out, ...tiny]);
    expect(empty.code).toBe(5);
    expect(empty.err).toMatch(/test\.txt holds no triples/);
    // Four fields, an empty field (train), a blank field (valid): each names its file and line.
    for (const [file, text, where] of [
      ["test.txt", "e1\tr0\te2\textra\n", /test\.txt:1: expected/],
      ["train.txt", "e1\tr0\te2\ne1\t\te2\n", /train\.txt:2: expected/],
      ["valid.txt", "e1\tr0\te2\n \tr0\te2\n", /valid\.txt:2: expected/],
    ] as const) {
      writeTinyGraph(bad);
      writeFileSync(join(bad, file), text);
      const wrong = await kg(["--data", bad, "--out", out, ...tiny]);
      expect(wrong.code).toBe(5);
      expect(wrong.err).toMatch(where);
    }
    // A folder with only one of train.txt / test.txt.
    for (const [present, missing] of [
      ["train.txt", "test.txt"],
      ["test.txt", "train.txt"],
    ] as const) {
      const folder = join(dir, `only-${present}`);
      mkdirSync(folder);
      writeFileSync(join(folder, present), "a\tr\tb\n");
      const absent = await kg(["--data", folder, "--out", out, ...tiny]);
      expect(absent.code).toBe(5);
      expect(absent.err).toContain(`${missing} is missing`);
    }
    const unknownRecipe = await kg([
      "--data",
      join(dir, "tiny"),
      "--out",
      out,
      "--recipe",
      "rotate",
    ]);
    expect(unknownRecipe.code).toBe(2);
    expect(unknownRecipe.err).toMatch(/unknown recipe "rotate"; recipes are transe, complex/);
    const badKey = await kg([
      "--data",
      join(dir, "tiny"),
      "--out",
      out,
      ...tiny,
      "--set",
      "model.bogus=1",
    ]);
    expect(badKey.code).toBe(3);
    expect(badKey.err).toMatch(/model\.bogus/);
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(dir).filter((name) => name.includes("-graph-"))).toEqual([]);
  });

  it("refuses to resume a run on other data", async () => {
    const out = join(dir, "other-data");
    const args = ["--out", out, ...tiny, "--set", "training.num_epochs=2"];
    expect((await kg(["--data", join(dir, "tiny"), ...args])).code).toBe(0);
    writeTinyGraph(join(dir, "other"), { valid: true });
    writeFileSync(join(dir, "other", "test.txt"), "e1\tr9\te2\n");
    const other = await kg(["--data", join(dir, "other"), ...args, "--resume"]);
    expect(other.code).toBe(2);
    expect(other.err).toMatch(/entities\.json differs from the run's/);
    expect(results(out).steps).toBe(8);
  });

  const data = sharedDataDir();
  it.skipIf(!data || !existsSync(join(data, "umls")))(
    "UMLS with the transe recipe",
    async () => {
      const out = join(dir, "umls");
      const run = await kg([
        "--data",
        join(data!, "umls"),
        "--out",
        out,
        "--recipe",
        "transe",
        "--device",
        "cpu",
        "--deterministic",
        "--set",
        "training.num_epochs=10",
      ]);
      expect(run.code).toBe(0);
      const r = results(out);
      expect(r.counts).toMatchObject({ entities: 135, relations: 46 });
      expect(r.test.mrr).toBeGreaterThan(0.5);
      expect(r.test["hits@10"]).toBeGreaterThan(0.85);
    },
    120_000,
  );
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));
