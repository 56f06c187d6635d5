"""PyTorch reference for the TwHIN bench cases (for bench/reference/torch_cases.py to import).

twhin_train_edges_per_s(torch, optimizer): the original's model layout, in-batch negatives and
loss (projects/twhin/models/models.py: TwhinModel, TwhinModelAndLoss) as tml-ts trains it (the
"fixed" parity of torch-reference/twhin_reference.py, whose translation_loss this times: negatives
labelled 0, translations trained): a 1,000,000 x 200 nn.Embedding with sparse gradients (the
row-sparse path torchrec's fused optimizer takes), 4 relations with translation vectors, batch
500, 10 in-batch negatives per side per relation. optimizer: "sgd" (torch SGD on sparse grads) or
"adagrad" (torch Adagrad, element-wise: torch has no row-wise variant). Like the TypeScript case:
one warm-up run and the median of `repeats` runs of `steps` steps each.
"""
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "torch-reference"))
from twhin_reference import translation_loss  # noqa: E402


def twhin_train_edges_per_s(torch, optimizer="sgd", rows=1_000_000, dim=200, batch=500, negatives=10, steps=40, repeats=5):
    torch.manual_seed(0)
    table = torch.nn.Embedding(rows, dim, sparse=True)
    torch.nn.init.uniform_(table.weight, -(1 / rows) ** 0.5, (1 / rows) ** 0.5)
    translation = torch.nn.Parameter(torch.rand(4, dim))
    if optimizer == "adagrad":
        sparse_opt = torch.optim.Adagrad(table.parameters(), lr=0.1)
    else:
        sparse_opt = torch.optim.SGD(table.parameters(), lr=0.01)
    dense_opt = torch.optim.SGD([translation], lr=0.05)
    edges = 200_000
    lhs = torch.randint(0, rows, (edges,))
    rhs = torch.randint(0, rows, (edges,))
    rel = torch.randint(0, 4, (edges,))

    def step(start):
        idx = torch.arange(start, start + batch) % edges
        x = table(torch.cat([lhs[idx], rhs[idx]]))
        loss = translation_loss(x[:batch], x[batch:], rel[idx], translation, negatives, "fixed")
        sparse_opt.zero_grad()
        dense_opt.zero_grad()
        loss.backward()
        sparse_opt.step()
        dense_opt.step()

    return edges_per_s(step, batch, steps, repeats)


def complex_one_vs_all_edges_per_s(torch, rows=14_541, relations=237, dim=512, batch=1_000, steps=8, repeats=3):
    """bench/cases/twhin-train-1vsall.mjs in PyTorch, as facebookresearch/kbc trains ComplEx-N3
    (kbc/models.py, kbc/regularizers.py, kbc/optimizers.py): dense nn.Embedding tables for the
    entities and the 2 x 237 reciprocal relations, each edge's two directions as one batch of 2,000
    queries scored against every entity by one product, cross-entropy, N3 0.05 on the queries'
    factors, element-wise Adagrad 0.1 on both tables. Edges/s: one warm-up run, the median of
    `repeats` runs of `steps` steps."""
    torch.manual_seed(0)
    entity = torch.nn.Embedding(rows, dim)
    relation = torch.nn.Embedding(2 * relations, dim)
    with torch.no_grad():
        entity.weight.mul_(1e-3)
        relation.weight.mul_(1e-3)
    optimizer = torch.optim.Adagrad([entity.weight, relation.weight], lr=0.1)
    edges = 20 * batch
    lhs = torch.randint(0, rows, (edges,))
    rhs = torch.randint(0, rows, (edges,))
    rel = torch.randint(0, relations, (edges,))
    half = dim // 2

    def modulus_cubed(x):
        return torch.sqrt(x[:, :half] ** 2 + x[:, half:] ** 2) ** 3

    def step(start):
        idx = torch.arange(start, start + batch) % edges
        source = torch.cat([lhs[idx], rhs[idx]])
        target = torch.cat([rhs[idx], lhs[idx]])
        r = torch.cat([rel[idx], rel[idx] + relations])
        q, w, t = entity(source), relation(r), entity(target)
        qr, qi, wr, wi = q[:, :half], q[:, half:], w[:, :half], w[:, half:]
        query = torch.cat([qr * wr - qi * wi, qr * wi + qi * wr], 1)
        scores = query @ entity.weight.t()
        n3 = (modulus_cubed(q) + modulus_cubed(w) + modulus_cubed(t)).sum() / (2 * batch)
        loss = torch.nn.functional.cross_entropy(scores, target) + 0.05 * n3
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

    return edges_per_s(step, batch, steps, repeats)


def edges_per_s(step, batch, steps, repeats):
    """Edges/s of `step(first_edge)` over batches of `batch` edges: one warm-up run of `steps`
    steps, then the median of `repeats` such runs (as the TypeScript cases time theirs)."""
    cursor = 0

    def timed_run():
        nonlocal cursor
        start = time.perf_counter()
        for _ in range(steps):
            step(cursor)
            cursor += batch
        return steps * batch / (time.perf_counter() - start)

    timed_run()  # warm-up
    return statistics.median(timed_run() for _ in range(repeats))
