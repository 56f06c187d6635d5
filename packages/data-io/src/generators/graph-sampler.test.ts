import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ConfigError, Rng } from "@tml/core";
import { describe, expect, it } from "vitest";
import { readParquetFile } from "../parquet/index.js";
import { scratchDirs } from "./__fixtures__/scratch.js";
import { edgeTable } from "./graph-descriptor.js";
import { GraphSampler, NodeLayout } from "./graph-sampler.js";
import { twitterGraphSpec, validateGraphSpec } from "./graph-spec.js";
import { writeGraph } from "./graph-writer.js";

const scratch = scratchDirs("tml-graph-");

describe("NodeLayout", () => {
  it("is a bijection whose communities partition the ids", () => {
    const layout = NodeLayout.random(new Rng(4), 1000, 7);
    const seen = new Set<number>();
    const sizes = new Array(7).fill(0);
    for (let internal = 0; internal < 1000; internal++) {
      const id = layout.idOf(internal);
      seen.add(id);
      const community = layout.communityOf(id);
      expect(community).toBe(Math.floor((internal * 7) / 1000));
      sizes[community]++;
    }
    expect(seen.size).toBe(1000);
    expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
  });
});

describe("GraphSampler", () => {
  const spec = twitterGraphSpec({ users: 5000, tweets: 3000, edges: 200_000, communities: 10 });
  const sampler = new GraphSampler(spec, new Rng(1).fork("layout"));
  const remaining = Float64Array.from(spec.relations, (relation) => relation.edges);
  const batch = sampler.sample(new Rng(2), 200_000, remaining);

  it("draws exact per-relation counts with ids in range", () => {
    expect(Array.from(remaining)).toEqual(spec.relations.map(() => 0));
    const counts = new Array(spec.relations.length).fill(0);
    const sizes = new Map(spec.tables.map((t) => [t.name, t.count]));
    let outOfRange = 0;
    for (let i = 0; i < batch.rel.length; i++) {
      const r = batch.rel[i]!;
      counts[r]++;
      const relation = spec.relations[r]!;
      const inRange =
        batch.lhs[i]! < sizes.get(relation.lhs)! && batch.rhs[i]! < sizes.get(relation.rhs)!;
      if (!inRange || batch.lhs[i]! < 0 || batch.rhs[i]! < 0) outOfRange++;
    }
    expect(outOfRange).toBe(0);
    expect(counts).toEqual(spec.relations.map((relation) => relation.edges));
  });

  it("plants assortative communities", () => {
    const users = sampler.layouts.get("user")!;
    const tweets = sampler.layouts.get("tweet")!;
    let inside = 0;
    for (let i = 0; i < batch.rel.length; i++) {
      const rhs = spec.relations[batch.rel[i]!]!.rhs === "user" ? users : tweets;
      if (users.communityOf(batch.lhs[i]!) === rhs.communityOf(batch.rhs[i]!)) inside++;
    }
    // Expected: Σ_r share_r · (rate_r + (1 − rate_r)/K) ≈ 0.78; random pairing would give 1/K = 0.1.
    const expected = spec.relations.reduce((sum, relation) => {
      const rate = relation.inCommunityRate ?? 0.8;
      return sum + (relation.edges / 200_000) * (rate + (1 - rate) / 10);
    }, 0);
    expect(Math.abs(inside / batch.rel.length - expected)).toBeLessThan(0.01);
  });

  it("gives heavy-tailed degrees", () => {
    const degree = new Float64Array(5000);
    for (let i = 0; i < batch.rel.length; i++) degree[batch.lhs[i]!]++;
    const sorted = Array.from(degree).sort((a, b) => b - a);
    const mean = batch.rel.length / 5000;
    const top1 = sorted.slice(0, 50).reduce((a, b) => a + b, 0) / batch.rel.length;
    // Power law with tail exponent 1.5: hubs far above the mean, top 1% of users hold > 15% of edges
    // (a Poisson graph would give ~1.3%), and a median user well below the mean.
    expect(sorted[0]!).toBeGreaterThan(20 * mean);
    expect(top1).toBeGreaterThan(0.15);
    expect(sorted[2500]!).toBeLessThan(0.7 * mean);
  });

  it("rejects unknown tables and bad sizes", () => {
    expect(() =>
      validateGraphSpec({
        tables: [{ name: "user", count: 10 }],
        relations: [{ name: "x", lhs: "user", rhs: "item", edges: 1 }],
        communities: 2,
      }),
    ).toThrow(ConfigError);
    expect(() =>
      validateGraphSpec({ tables: [{ name: "user", count: 1 }], relations: [], communities: 2 }),
    ).toThrow(/count/);
  });

  it("rejects table names that would leave the communities folder (they become file names)", () => {
    for (const name of ["../escaped", "/tmp/escaped", "a/b", "", "..", "nul\u0000"]) {
      expect(() =>
        validateGraphSpec({
          tables: [{ name, count: 10 }],
          relations: [{ name: "x", lhs: name, rhs: name, edges: 1 }],
          communities: 2,
        }),
      ).toThrow(/tables\[0\]\.name/);
    }
  });
});

describe("writeGraph", () => {
  it("writes shards, communities and graph.json that agree with each other", async () => {
    const dir = scratch();
    const spec = twitterGraphSpec({ users: 300, tweets: 200, edges: 2500, communities: 4 });
    const descriptor = await writeGraph(dir, spec, {
      seed: 3,
      shardEdges: 1000,
      testFraction: 0.1,
    });
    expect(descriptor.splits.train!.files.map((f) => f.rows)).toEqual([1000, 1000, 500]);
    expect(descriptor.splits.test!.rows).toBe(
      spec.relations.reduce((sum, r) => sum + Math.round(r.edges * 0.1), 0),
    );
    const onDisk = JSON.parse(readFileSync(join(dir, "graph.json"), "utf8"));
    expect(onDisk).toEqual(descriptor);
    const shard = await readParquetFile(join(dir, descriptor.splits.train!.files[2]!.path));
    expect(shard.numRows).toBe(500);
    expect(shard.schema.fields.map((f) => `${f.name}:${f.type}`)).toEqual([
      "lhs:Int64",
      "rel:Int64",
      "rhs:Int64",
    ]);
    const communities = await readParquetFile(join(dir, "communities", "user.parquet"));
    expect(communities.numRows).toBe(300);
    const again = scratch();
    await writeGraph(again, spec, { seed: 3, shardEdges: 1000, testFraction: 0.1 });
    const first = await readParquetFile(join(again, descriptor.splits.train!.files[0]!.path));
    const original = await readParquetFile(join(dir, descriptor.splits.train!.files[0]!.path));
    expect(first.getChild("rhs")!.toArray()).toEqual(original.getChild("rhs")!.toArray());
  });

  it("edgeTable keeps ids beyond 2^32", () => {
    const table = edgeTable([2 ** 40], [1], [5]);
    expect(table.getChild("lhs")!.get(0)).toBe(2n ** 40n);
  });
});
