"""PyTorch reference for the TwHIN bench cases (for bench/reference/torch_cases.py to import).

twhin_train_edges_per_s(torch, optimizer): the original's model, in-batch negatives and loss
(projects/twhin/models/models.py: TwhinModel, TwhinModelAndLoss) on one thread:
a 1,000,000 x 200 nn.Embedding with sparse gradients (the row-sparse path torchrec's fused
optimizer takes), 4 relations with translation vectors, batch 500, 10 in-batch negatives per side
per relation, BCE with the original's weighting (negatives labelled 0). optimizer: "sgd" (torch
SGD on sparse grads) or "adagrad" (torch Adagrad, element-wise: torch has no row-wise variant).
Like the TypeScript case: one warm-up run and the median of `repeats` runs of `steps` steps each.
"""
import statistics
import time


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
        l_ids, r_ids, rels = lhs[idx], rhs[idx], rel[idx]
        x = table(torch.cat([l_ids, r_ids]))
        left, right = x[:batch], x[batch:]
        trans = translation[rels]
        logits = [((left + trans) * right).sum(-1)]
        for r in range(4):
            mask = rels == r
            count = int(mask.sum())
            if count == 0:
                continue
            lm, rm, tm = left[mask], right[mask], trans[mask]
            reps = (negatives + count - 1) // count
            sample_r = torch.randperm(count).repeat(reps)[:negatives]
            sample_l = torch.randperm(count).repeat(reps)[:negatives]
            logits.append(((lm + tm) @ rm[sample_r].t()).flatten())
            logits.append((rm @ (lm[sample_l] + tm[:1]).t()).flatten())
        logits = torch.cat(logits)
        num_neg = logits.numel() - batch
        labels = torch.cat([torch.ones(batch), torch.zeros(num_neg)])
        weights = torch.cat([torch.ones(batch), torch.full((num_neg,), batch / num_neg)])
        loss = torch.nn.functional.binary_cross_entropy_with_logits(logits, labels, weight=weights)
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
