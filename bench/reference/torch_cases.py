#!/usr/bin/env python3
"""PyTorch CPU reference for `pnpm bench`: the same cases as bench/cases, one thread.

Run by bench/run.mjs on the same machine in the same run, so the ratios compare like with like.
Usage: torch_cases.py --output results.json [case names...]
Writes {"available": true, "torch": ..., "threads": 1, "blas": ..., "cases": {name: {value, unit}}}.
Debian: apt-get install python3-torch libopenblas0-pthread (PyTorch 1.13).
"""
import os

# torch.set_num_threads(1) does not reach OpenBLAS's own thread pool (libopenblas0-pthread starts
# one thread per core): on two cores a 2048 matmul then runs at ~187 GFLOP/s instead of ~90. The
# pools read these variables when the library loads, so they are set before torch is imported.
for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_variable] = "1"

import argparse  # noqa: E402
import json  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

FULL_LAYERS = [2776, 4096, 2048, 256, 128, 1]
SMALL_LAYERS = [512, 256, 128, 1]
BATCH = 512


def blas_name():
    link = "/etc/alternatives/libblas.so.3-x86_64-linux-gnu"
    try:
        return os.path.basename(os.path.dirname(os.path.realpath(link))) or "generic"
    except OSError:
        return "unknown"


def median_of(fn, warmup, repeats):
    for _ in range(warmup):
        fn()
    return statistics.median(fn() for _ in range(repeats))


def matmul_gflops(torch, size, transpose_a, repeats):
    a = torch.randn(size, size)
    b = torch.randn(size, size)

    def once():
        start = time.perf_counter()
        (a.t() @ b) if transpose_a else (a @ b)
        return 2 * size**3 / (time.perf_counter() - start) / 1e9

    return median_of(once, 1, repeats)


def mlp(torch, layers):
    modules = []
    for index in range(len(layers) - 1):
        modules.append(torch.nn.Linear(layers[index], layers[index + 1]))
        if index + 2 < len(layers):
            modules.append(torch.nn.BatchNorm1d(layers[index + 1], eps=1e-3))
            modules.append(torch.nn.ReLU())
    return torch.nn.Sequential(*modules)


def mlp_ms(torch, layers, mode, repeats):
    model = mlp(torch, layers)
    x = torch.rand(BATCH, layers[0]) * 2 - 1
    y = (torch.rand(BATCH, 1) > 0.5).float()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = torch.nn.BCEWithLogitsLoss()

    def train_step():
        start = time.perf_counter()
        optimizer.zero_grad(set_to_none=True)
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
        loss.item()
        return (time.perf_counter() - start) * 1000

    def infer():
        start = time.perf_counter()
        with torch.no_grad():
            torch.sigmoid(model(x)).sum().item()
        return (time.perf_counter() - start) * 1000

    return median_of(train_step if mode == "train" else infer, 1, repeats)


def heavy_ranker_samples_per_s(torch, build, mode, batch, warmup, repeats):
    from heavy_ranker_torch import random_batch

    model = build()
    continuous, binary, embeddings, labels = random_batch(model, batch)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = torch.nn.BCEWithLogitsLoss()

    def train_step():
        start = time.perf_counter()
        model.train()
        optimizer.zero_grad(set_to_none=True)
        loss = loss_fn(model(continuous, binary, embeddings), labels)
        loss.backward()
        optimizer.step()
        loss.item()
        return batch / (time.perf_counter() - start)

    def infer():
        start = time.perf_counter()
        model.eval()
        with torch.no_grad():
            torch.sigmoid(model(continuous, binary, embeddings)).sum().item()
        return batch / (time.perf_counter() - start)

    return median_of(train_step if mode == "train" else infer, warmup, repeats)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--output", required=True)
    parser.add_argument("cases", nargs="*")
    args = parser.parse_args()
    try:
        import torch
    except ImportError as error:
        json.dump({"available": False, "reason": f"PyTorch not importable ({error})"}, open(args.output, "w"))
        return 0
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path.insert(0, here)
    import heavy_ranker_torch as hr
    import twhin_torch

    torch.set_num_threads(1)
    torch.manual_seed(0)
    cases = {
        "matmul_2048_gflops": lambda: (matmul_gflops(torch, 2048, False, 5), "GFLOP/s"),
        "matmul_1024_tn_gflops": lambda: (matmul_gflops(torch, 1024, True, 5), "GFLOP/s"),
        "heavy_ranker_proxy_train_full": lambda: (mlp_ms(torch, FULL_LAYERS, "train", 5), "ms/step"),
        "heavy_ranker_proxy_train_small": lambda: (mlp_ms(torch, SMALL_LAYERS, "train", 10), "ms/step"),
        "heavy_ranker_proxy_infer_full": lambda: (mlp_ms(torch, FULL_LAYERS, "infer", 5), "ms/batch"),
        "heavy_ranker_train_full_samples_per_s": lambda: (
            heavy_ranker_samples_per_s(torch, hr.local_prod, "train", 512, 1, 3),
            "samples/s",
        ),
        "heavy_ranker_train_small_samples_per_s": lambda: (
            heavy_ranker_samples_per_s(torch, hr.local_small, "train", 64, 50, 30),
            "samples/s",
        ),
        "heavy_ranker_infer_full_samples_per_s": lambda: (
            heavy_ranker_samples_per_s(torch, hr.local_prod, "infer", 512, 1, 5),
            "samples/s",
        ),
        "heavy_ranker_infer_small_samples_per_s": lambda: (
            heavy_ranker_samples_per_s(torch, hr.local_small, "infer", 64, 50, 30),
            "samples/s",
        ),
        # bench/cases/twhin-train.mjs: SGD (the original's optimizer) and the @adagrad variant
        # (torch's Adagrad is element-wise; tml-ts's is row-wise).
        "twhin_train_edges_per_s": lambda: (twhin_torch.twhin_train_edges_per_s(torch, "sgd"), "edges/s"),
        "twhin_train_edges_per_s@adagrad": lambda: (
            twhin_torch.twhin_train_edges_per_s(torch, "adagrad"),
            "edges/s",
        ),
    }
    # A case's variants (name@engine) are measured when the case itself is asked for.
    asked = args.cases or list(cases)
    asked += [name for name in cases if "@" in name and name.split("@")[0] in asked]
    wanted = list(dict.fromkeys(name for name in asked if name in cases))
    results = {}
    for name in wanted:
        value, unit = cases[name]()
        results[name] = {"value": value, "unit": unit}
        print(f"reference: {name} {value:.4g} {unit}", file=sys.stderr)
    report = {
        "available": True,
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "blas": blas_name(),
        "cases": results,
    }
    temporary = f"{args.output}.tmp"
    with open(temporary, "w") as handle:
        json.dump(report, handle)
    os.replace(temporary, args.output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
