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
