import { parseConfig, TmlError } from "@tml/core";
import { describe, expect, it } from "vitest";
import { twhinConfigSchema } from "../config/twhin-config.js";
import { recipeForGraph } from "./recipes.js";
import { TRANSE_RECIPE } from "./transe.js";
import { applyRecipe } from "./twhin-recipe.js";

/** A heterogeneous graph's config that names a recipe and leaves the training settings out. */
function graphConfig(extra: Record<string, unknown> = {}) {
  return {
    recipe: "transe",
    model: {
      embeddings: {
        tables: [
          { name: "user", num_embeddings: 30 },
          { name: "tweet", num_embeddings: 20, optimizer: { sgd: { lr: 0.5 } } },
        ],
      },
      relations: [
        { name: "fav", lhs: "user", rhs: "tweet" },
        { name: "follows", lhs: "user", rhs: "user", operator: "diagonal" },
      ],
    },
    train_data: { data_root: "/g/train", limit: 100 },
    ...extra,
  };
}

function configErrorOf(value: unknown): string {
  try {
    parseConfig(twhinConfigSchema, value, "config");
  } catch (error) {
    expect(TmlError.isInstance(error, "CONFIG")).toBe(true);
    return (error as Error).message;
  }
  return expect.unreachable();
}

describe("recipes", () => {
  it("fill every key a heterogeneous graph's config leaves out; its own values win", () => {
    const config = twhinConfigSchema.parse(graphConfig({ model_selection: undefined, seed: 3 }));
    const [user, tweet] = config.model.embeddings.tables;
    expect(user).toMatchObject({ embedding_dim: 128, data_type: "fp32" });
    expect(user!.optimizer.adagrad?.lr).toBe(0.1);
    expect(tweet!.embedding_dim).toBe(128);
    expect(tweet!.optimizer).toMatchObject({ sgd: { lr: 0.5 } });
    expect(tweet!.optimizer.adagrad).toBeUndefined();
    expect(config.model.relations.map((r) => r.operator)).toEqual(["translation", "diagonal"]);
    expect(config.model).toMatchObject({
      comparator: "dot",
      loss: { type: "softmax" },
      reciprocal_relations: true,
      relation_init: "identity",
      regularization: 0.00005,
    });
    expect(config.train_data).toMatchObject({
      per_replica_batch_size: 1000,
      global_negatives: 2048,
      limit: 100,
    });
    expect(config.training.num_epochs).toBe(25);
    expect(config.seed).toBe(3);
    // No validation data: no validation settings and no model selection.
    expect(config.validation_data).toBeUndefined();
    expect(config.model_selection).toBeUndefined();
  });

  it("add model selection with validation data, unless the config validates by steps", () => {
    const validation = { validation_data: { data_root: "/g/valid", limit: 10 } };
    const withValidation = twhinConfigSchema.parse(graphConfig(validation));
    expect(withValidation.model_selection).toEqual({ eval_every_n_epochs: 5 });
    expect(withValidation.validation_data?.per_replica_batch_size).toBe(1000);
    const bySteps = twhinConfigSchema.parse(
      graphConfig({ ...validation, training: { eval_every_n: 7 } }),
    );
    expect(bySteps.model_selection).toBeUndefined();
    expect(bySteps.training.eval_every_n).toBe(7);
    expect(bySteps.training.num_epochs).toBe(25);
    const off = twhinConfigSchema.parse(graphConfig({ ...validation, model_selection: null }));
    expect(off.model_selection).toBeNull();
    // The config's own early stopping replaces model selection too (one mechanism).
    const stopping = { early_stopping: { monitor: "hits@10", patience: 2 } };
    const ownStopping = twhinConfigSchema.parse(graphConfig({ ...validation, training: stopping }));
    expect(ownStopping.model_selection).toBeUndefined();
    expect(ownStopping.training.early_stopping).toMatchObject(stopping.early_stopping);
  });

  it("refuse model_selection and training.early_stopping together, naming both", () => {
    const message = configErrorOf(
      graphConfig({
        validation_data: { data_root: "/g/valid", limit: 10 },
        model_selection: { eval_every_n_epochs: 1 },
        training: { early_stopping: { monitor: "mrr", patience: 2 } },
      }),
    );
    expect(message).toContain("training.early_stopping");
    expect(message).toContain("model_selection and training.early_stopping");
  });

  it("complex: ComplEx-N3 over all entities (1vsAll) with reciprocal relations", () => {
    const config = twhinConfigSchema.parse(
      graphConfig({ recipe: "complex", validation_data: { data_root: "/g/valid", limit: 10 } }),
    );
    expect(config.model.relations.map((r) => r.operator)).toEqual(["complex_diagonal", "diagonal"]);
    expect(config.model).toMatchObject({
      comparator: "dot",
      loss: { type: "softmax" },
      reciprocal_relations: true,
      regularizer: "n3",
    });
    expect(config.train_data.global_negatives).toBe("all");
    expect(config.model_selection).toEqual({ eval_every_n_epochs: 1, patience: 10 });
    expect(config.train_data.per_replica_batch_size).toBe(512);
  });

  it("complex-dense: complex with Adagrad 0.1 on batches of 1,000, dim 512, relation prediction 1, 42 epochs, patience 5", () => {
    const graph = graphConfig({ validation_data: { data_root: "/g/valid", limit: 10 } });
    const dense = twhinConfigSchema.parse({ ...graph, recipe: "complex-dense" });
    const sparse = twhinConfigSchema.parse({ ...graph, recipe: "complex" });
    const [user] = dense.model.embeddings.tables;
    expect(user!.embedding_dim).toBe(512);
    expect(user!.optimizer.adagrad?.lr).toBe(0.1);
    expect(dense.model.translation_optimizer.adagrad?.lr).toBe(0.1);
    expect(dense.train_data.per_replica_batch_size).toBe(1000);
    expect(dense.training.num_epochs).toBe(42);
    // Relation prediction yields on this graph ("follows" is on diagonal, "fav" on the recipe's
    // complex_diagonal); on a graph of one operator it is on (below).
    expect(dense.model.relation_prediction).toBe(0);
    expect(sparse.model.relation_prediction).toBe(0);
    // Everything else is complex's.
    const { translation_optimizer: _d, relation_prediction: _dr, ...denseModel } = dense.model;
    const { translation_optimizer: _s, relation_prediction: _sr, ...sparseModel } = sparse.model;
    expect({ ...denseModel, embeddings: null }).toEqual({ ...sparseModel, embeddings: null });
    // Patience 5: FB15k-237's validation MRR plateaus; WN18RR's creeps up for longer (complex: 10).
    expect(dense.model_selection).toEqual({ eval_every_n_epochs: 1, patience: 5 });
    expect(sparse.model_selection).toEqual({ eval_every_n_epochs: 1, patience: 10 });
    expect(dense.train_data.global_negatives).toBe("all");
  });

  it("complex-dense ranks relations (weight 1) when every relation is on one operator; a config's own weight is kept", () => {
    const base = graphConfig({ recipe: "complex-dense" });
    const relations = base.model.relations.map(({ name, lhs, rhs }) => ({ name, lhs, rhs }));
    const uniform = twhinConfigSchema.parse({ ...base, model: { ...base.model, relations } });
    expect(uniform.model.relation_prediction).toBe(1);
    const own = { ...base, model: { ...base.model, relation_prediction: 0.5 } };
    expect(configErrorOf(own)).toMatch(
      /relation_prediction needs .* operators complex_diagonal, diagonal/,
    );
    const ownUniform = { ...base, model: { ...base.model, relations, relation_prediction: 0.5 } };
    expect(twhinConfigSchema.parse(ownUniform).model.relation_prediction).toBe(0.5);
  });

  it("recipeForGraph: complex becomes complex-dense from 8 train edges per entity and 100,000 edges", () => {
    expect(recipeForGraph("complex", 86_835, 40_943)).toEqual({
      name: "complex",
      edgesPerEntity: 86_835 / 40_943,
    });
    const dense = recipeForGraph("complex", 272_115, 14_541);
    expect(dense.name).toBe("complex-dense");
    expect(dense.reason).toBe(
      "272,115 train edges (at least 100,000), 18.7 per entity (at least 8): complex trains as complex-dense",
    );
    expect(recipeForGraph("complex", 100_000, 12_500).name).toBe("complex-dense");
    expect(recipeForGraph("complex", 100_000, 12_501).name).toBe("complex");
    // Dense but not large: complex, or complex-small under 50,000 edges.
    expect(recipeForGraph("complex", 99_999, 1_000).name).toBe("complex");
    expect(recipeForGraph("complex", 50_000, 1_000).name).toBe("complex");
    // Recipes without variants, and unknown names, stay as asked.
    expect(recipeForGraph("transe", 272_115, 14_541).name).toBe("transe");
    expect(recipeForGraph("transe", 1_592, 14).name).toBe("transe");
    expect(recipeForGraph("complex-dense", 10, 100).name).toBe("complex-dense");
    expect(recipeForGraph("complex-small", 272_115, 14_541).name).toBe("complex-small");
    expect(recipeForGraph("nope", 10, 1).name).toBe("nope");
  });

  it("recipeForGraph: complex becomes complex-small under 50,000 train edges, whatever their density", () => {
    const kinship = recipeForGraph("complex", 8_544, 104);
    expect(kinship).toEqual({
      name: "complex-small",
      edgesPerEntity: 8_544 / 104,
      reason: "8,544 train edges (under 50,000): complex trains as complex-small",
    });
    expect(recipeForGraph("complex", 49_999, 40_000).name).toBe("complex-small");
    expect(recipeForGraph("complex", 0, 0).name).toBe("complex-small");
  });

  it("complex-small: complex with N3 0.01 on batches of 128, 200 epochs", () => {
    const graph = graphConfig({ validation_data: { data_root: "/g/valid", limit: 10 } });
    const small = twhinConfigSchema.parse({ ...graph, recipe: "complex-small" });
    const base = twhinConfigSchema.parse({ ...graph, recipe: "complex" });
    expect(small.model.regularization).toBe(0.01);
    expect(base.model.regularization).toBe(0.05);
    expect(small.train_data.per_replica_batch_size).toBe(128);
    expect(small.training.num_epochs).toBe(200);
    // Everything else is complex's.
    expect({ ...small.model, regularization: 0 }).toEqual({ ...base.model, regularization: 0 });
    expect({ ...small.train_data, per_replica_batch_size: 0 }).toEqual({
      ...base.train_data,
      per_replica_batch_size: 0,
    });
    expect(small.model_selection).toEqual(base.model_selection);
    expect(small.validation_data).toEqual(base.validation_data);
  });

  it("replace an optimizer whole: a config's sgd does not merge into the recipe's adagrad", () => {
    const raw = graphConfig();
    const merged = applyRecipe(TRANSE_RECIPE, {
      ...raw,
      model: { ...raw.model, translation_optimizer: { sgd: { lr: 1 } } },
    }) as { model: { translation_optimizer: unknown } };
    expect(merged.model.translation_optimizer).toEqual({ sgd: { lr: 1 } });
  });

  it("name unknown recipes and bad keys with their path", () => {
    expect(configErrorOf(graphConfig({ recipe: "transf" }))).toContain(
      'Unknown recipe "transf"; recipes are transe, complex',
    );
    expect(configErrorOf(graphConfig({ model_selection: { patience: 0 } }))).toContain(
      "model_selection.patience",
    );
    expect(configErrorOf(graphConfig({ training: { eval_every_n: 5 } }))).toContain(
      "needs validation_data",
    );
  });
});
