"""PyTorch reference for bench/cases/frappe-masknet-epoch.mjs (for torch_cases.py to import).

The model of @tml/heavy-ranker's configs/frappe-masknet.yaml (BARS's MaskNet recipe), written in
PyTorch: 10 small embedding tables (dim 10, N(0, 1e-4²); ids 1..V from the train split, 0 =
unseen; 571,871 parameters in the yaml, which reserves 958 user rows where the split has 954
users, 40 parameters more, no effect on the time) → parallel MaskNet of 3 blocks (mask
100→200→100, hidden 100→50, LayerNorm) → MLP 400-400-400 (ReLU, dropout 0.1 on the hidden layers,
ReLU after the last) → one logit. Loss: mean BCE with logits + (0.1 / 2)·Σ‖W‖² over the tables;
Adam lr 1e-3, eps 1e-8.

frappe_epoch_seconds(torch, data_dir): setup (untimed, like the tml-ts case's convertFrappe)
parses the train CSV once and saves the encoded split as .npy; each timed run then loads that file,
builds the model, trains one epoch of shuffled batches of 4096 (remainder dropped) through a
DataLoader, reads every step's loss (the tml-ts loop checks it for NaN) and saves a checkpoint
(model + Adam state) and the final weights. Returns the median of `repeats` runs, in seconds (one
run only when it took over SLOW_EPOCH_S).
"""
import gzip
import os
import statistics
import tempfile
import time

import numpy as np

FIELDS = 10
EMBEDDING_DIM = 10
BATCH = 4096
EMBEDDING_L2 = 0.1
SLOW_EPOCH_S = 30


def encode_train_split(data_dir):
    """int64 [rows, 11]: per-field ids 1..V (sorted global index order, as data-io's
    convertFrappe), then the 0/1 label; and the table sizes V + 1."""
    with gzip.open(os.path.join(data_dir, "train_reconstructed.csv.gz"), "rt") as handle:
        raw = np.loadtxt(handle, delimiter=",", skiprows=1, dtype=np.int64)
    encoded = np.empty_like(raw)
    sizes = []
    for field in range(FIELDS):
        column = raw[:, field + 1]
        vocabulary = np.unique(column)
        encoded[:, field] = np.searchsorted(vocabulary, column) + 1
        sizes.append(len(vocabulary) + 1)
    encoded[:, FIELDS] = raw[:, 0]
    return encoded, sizes


def build_model(torch, sizes):
    nn = torch.nn
    width = FIELDS * EMBEDDING_DIM

    class MaskBlock(nn.Module):
        def __init__(self):
            super().__init__()
            self.mask = nn.Sequential(nn.Linear(width, 2 * width), nn.ReLU(), nn.Linear(2 * width, width))
            self.hidden = nn.Linear(width, 50)
            self.layer_norm = nn.LayerNorm(50)

        def forward(self, x):
            return self.layer_norm(self.hidden(x * self.mask(x)))

    class FrappeMaskNet(nn.Module):
        def __init__(self):
            super().__init__()
            self.tables = nn.ModuleList(nn.Embedding(size, EMBEDDING_DIM) for size in sizes)
            for table in self.tables:
                nn.init.normal_(table.weight, std=1e-4)
            self.blocks = nn.ModuleList(MaskBlock() for _ in range(3))
            self.mlp = nn.Sequential(
                nn.Linear(150, 400), nn.ReLU(), nn.Dropout(0.1),
                nn.Linear(400, 400), nn.ReLU(), nn.Dropout(0.1),
                nn.Linear(400, 400), nn.ReLU(),
            )
            self.tower = nn.Linear(400, 1)

        def forward(self, ids):  # ids [B, 10] → logits [B, 1]
            x = torch.cat([table(ids[:, index]) for index, table in enumerate(self.tables)], dim=1)
            return self.tower(self.mlp(torch.cat([block(x) for block in self.blocks], dim=1)))

        def embedding_penalty(self):
            return (EMBEDDING_L2 / 2) * sum(table.weight.pow(2).sum() for table in self.tables)

    return FrappeMaskNet()


def train_epoch(torch, split_path, sizes, out_dir):
    """One timed epoch from the saved split to the saved checkpoint; returns the steps run."""
    data = torch.from_numpy(np.load(split_path))
    dataset = torch.utils.data.TensorDataset(data[:, :FIELDS], data[:, FIELDS:].float())
    generator = torch.Generator().manual_seed(0)
    loader = torch.utils.data.DataLoader(dataset, batch_size=BATCH, shuffle=True, drop_last=True, generator=generator)
    model = build_model(torch, sizes)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, betas=(0.9, 0.999), eps=1e-8)
    loss_fn = torch.nn.BCEWithLogitsLoss()
    model.train()
    steps = 0
    for ids, labels in loader:
        optimizer.zero_grad(set_to_none=True)
        loss = loss_fn(model(ids), labels) + model.embedding_penalty()
        loss.backward()
        optimizer.step()
        if not np.isfinite(loss.item()):
            raise FloatingPointError(f"frappe epoch: loss {loss.item()} at step {steps}")
        steps += 1
    torch.save({"model": model.state_dict(), "optimizer": optimizer.state_dict()}, os.path.join(out_dir, "checkpoint.pt"))
    torch.save(model.state_dict(), os.path.join(out_dir, "model.pt"))
    return steps


def frappe_epoch_seconds(torch, data_dir, repeats=2):
    torch.manual_seed(0)
    encoded, sizes = encode_train_split(data_dir)
    with tempfile.TemporaryDirectory(prefix="tml-bench-frappe-torch-") as scratch:
        split_path = os.path.join(scratch, "train.npy")
        np.save(split_path, encoded)
        expected = len(encoded) // BATCH

        def timed_run():
            start = time.perf_counter()
            steps = train_epoch(torch, split_path, sizes, scratch)
            seconds = time.perf_counter() - start
            if steps != expected:
                raise RuntimeError(f"frappe epoch: trained {steps} steps, expected {expected}")
            return seconds

        # A setting that needs over 30 s for the epoch (torch's OpenMP pool on two busy cores can)
        # is not timed again: one run shows it is not the fastest, and the bench keeps its budget.
        values = [timed_run()]
        while len(values) < repeats and values[0] < SLOW_EPOCH_S:
            values.append(timed_run())
        return statistics.median(values)
