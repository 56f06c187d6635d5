"""TwHIN's loss and gradients in PyTorch, written from the original's documented model
(projects/twhin/models/models.py: TwhinModel, TwhinModelAndLoss) for tml-ts's numerical parity
test, in float64 with autograd.

translation_loss(left, right, rels, translations, negatives, parity) is the same loss on rows
already gathered (the bench's PyTorch TwHIN row times it on an nn.Embedding).

Usage: twhin_reference.py <input.json>; prints JSON {loss, tables: {name: [rows][dim] gradient},
translations: [relations][dim] gradient}. The input holds the tables, the translation vectors
(`all_trans_embs`), each relation's (lhs table, rhs table), the batch (lhs, rel, rhs), the number
of in-batch negatives N and `parity`:

* "original": the original's model. Positive score <e_lhs, e_rhs + w_r> with w_r read detached;
  per relation, N sampled rhs against each lhs and N sampled lhs against each rhs (a random
  permutation of the relation's edges, repeated when there are fewer than N), plain dot products;
  every logit labelled 1; negatives weigh B / (2BN); mean over the B + 2BN logits.
* "fixed": the paper's translation model as tml-ts trains it. Score <e_lhs + w_r, e_rhs> for the
  positive in both directions and for the negatives (tail: e_lhs_i + w_r against sampled e_rhs;
  head: e_rhs_i against sampled e_lhs + w_r); negatives labelled 0 and weighing 2B / 2BN; mean
  over the 2B + 2BN logits; w_r trained.

When each relation's edge count divides N, every edge of the relation is sampled equally often,
so the loss does not depend on the permutation drawn (the test builds such batches).
"""
import json
import sys

import torch
from torch.nn import functional


def sampled(count, negatives):
    repeats = (negatives + count - 1) // count
    return torch.randperm(count).repeat(repeats)[:negatives]


def twhin_loss(tables, translations, relations, batch, negatives, parity):
    lhs_rows, rhs_rows = [], []
    for lhs, rel, rhs in zip(batch["lhs"], batch["rel"], batch["rhs"]):
        lhs_table, rhs_table = relations[rel]
        lhs_rows.append(tables[lhs_table][lhs])
        rhs_rows.append(tables[rhs_table][rhs])
    left, right = torch.stack(lhs_rows), torch.stack(rhs_rows)  # [B, D]
    return translation_loss(left, right, torch.tensor(batch["rel"]), translations, negatives, parity)


def translation_loss(left, right, rels, translations, negatives, parity):
    """The loss of a batch whose rows are gathered: left / right [B, D] (each edge's lhs and rhs
    rows), rels [B] (relation ids into translations [R, D]); also what bench/reference/twhin_torch.py
    times."""
    size = left.shape[0]
    original = parity == "original"
    trans = translations.detach()[rels] if original else translations[rels]  # [B, D]
    if original:
        positives = [(left * (right + trans)).sum(-1)]
    else:
        positive = ((left + trans) * right).sum(-1)
        positives = [positive, positive]  # tail and head direction
    negative_logits = []
    for relation in range(translations.shape[0]):
        mask = rels == relation
        count = int(mask.sum())
        if count == 0:
            continue
        lhs_group, rhs_group, trans_group = left[mask], right[mask], trans[mask]
        if not original:
            lhs_group = lhs_group + trans_group  # the translated side
        rhs_sample, lhs_sample = sampled(count, negatives), sampled(count, negatives)
        negative_logits.append((rhs_group @ lhs_group[lhs_sample].t()).flatten())  # head
        negative_logits.append((lhs_group @ rhs_group[rhs_sample].t()).flatten())  # tail
    positive_logits = torch.cat(positives)
    negative_logits = torch.cat(negative_logits)
    logits = torch.cat([positive_logits, negative_logits])
    count_negative = negative_logits.numel()  # 2BN
    negative_label = 1.0 if original else 0.0
    labels = torch.cat([torch.ones_like(positive_logits), torch.full_like(negative_logits, negative_label)])
    negative_weight = positive_logits.numel() / count_negative
    weights = torch.cat([torch.ones_like(positive_logits), torch.full_like(negative_logits, negative_weight)])
    assert count_negative == 2 * size * negatives
    return functional.binary_cross_entropy_with_logits(logits, labels, weight=weights)


def main(path):
    with open(path) as handle:
        spec = json.load(handle)
    torch.manual_seed(0)
    tables = {name: torch.tensor(rows, dtype=torch.float64, requires_grad=True) for name, rows in spec["tables"].items()}
    translations = torch.tensor(spec["translations"], dtype=torch.float64, requires_grad=True)
    relations = spec["relations"]
    loss = twhin_loss(tables, translations, relations, spec["batch"], spec["in_batch_negatives"], spec["parity"])
    loss.backward()
    zeros = torch.zeros_like(translations)
    json.dump(
        {
            "loss": loss.item(),
            "tables": {name: table.grad.tolist() for name, table in tables.items()},
            "translations": (translations.grad if translations.grad is not None else zeros).tolist(),
        },
        sys.stdout,
    )


if __name__ == "__main__":
    main(sys.argv[1])
