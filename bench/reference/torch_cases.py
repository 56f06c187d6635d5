#!/usr/bin/env python3
"""PyTorch CPU reference for `pnpm bench`: the same cases as bench/cases, under one thread setting.

Run by bench/run.mjs on the same machine in the same run, once per setting (a fresh process each:
the thread pools read their variables when the libraries load), so the ratios compare like with
like. Usage: torch_cases.py --output results.json --setting NAME --threads N [--data-dir DIR]
[--architectures FILE] [case...] (the Heavy Ranker and Frappe cases need FILE, from
architectures.mjs; without it they are left out, and asking for one by name is an error).
Writes {"available": true, "setting", "description", "torch", "torchThreads", "blasThreads",
"blas", "environment", "cases": {name: {value, unit}}}.
Debian: apt-get install python3-torch libopenblas0-pthread (PyTorch 1.13).
"""
import argparse
import json
import os
import statistics
import sys
import time

# The thread pools torch's CPU path uses: its own (OpenMP, torch.set_num_threads) and OpenBLAS's
# (libopenblas0-pthread starts one thread per core; torch.set_num_threads does not reach it, and
# OpenBLAS falls back to OMP_NUM_THREADS when OPENBLAS_NUM_THREADS is unset). MKL is not in
# Debian's build but is pinned with the others for builds that have it.
POOL_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")

# name -> (description, value of every pool variable or None to unset them, torch threads or None
# to keep torch's default; "nproc" stands for --threads).
SETTINGS = {
    "threads1": ("every pool pinned to 1 thread: torch.set_num_threads(1), OMP/OPENBLAS/MKL_NUM_THREADS=1", "1", 1),
    "default": ("PyTorch as installed: no variables, torch's default thread count, OpenBLAS's default pool", None, None),
    "nproc": ("every pool at nproc: torch.set_num_threads(nproc), OMP/OPENBLAS/MKL_NUM_THREADS=nproc", "nproc", "nproc"),
    "torch1-blas-default": ("torch.set_num_threads(1), OpenBLAS at its default pool (no variables)", None, 1),
}


def apply_setting(name, nproc):
    """Sets or clears the pool variables (before torch loads); returns the torch thread count to
    set, or None for torch's default."""
    _, variables, torch_threads = SETTINGS[name]
    for variable in POOL_VARIABLES:
        if variables is None:
            os.environ.pop(variable, None)
        else:
            os.environ[variable] = str(nproc) if variables == "nproc" else variables
    return nproc if torch_threads == "nproc" else torch_threads


def openblas_threads():
    """Threads of the OpenBLAS pool torch loaded (read from the library itself), or None."""
    try:
        import ctypes

        with open("/proc/self/maps") as maps:
            paths = {line.split()[-1] for line in maps if "openblas" in line and "/" in line}
        for path in sorted(paths):
            library = ctypes.CDLL(path)
            if hasattr(library, "openblas_get_num_threads"):
                return int(library.openblas_get_num_threads())
    except OSError:
        pass
    return None


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


class Figure(float):
    """A median that also carries the best repeat (the sgemm peak is the best one seen)."""

    def __new__(cls, values):
        figure = super().__new__(cls, statistics.median(values))
        figure.best = max(values)
        return figure


def matmul_gflops(torch, size, transpose_a, repeats):
    a = torch.randn(size, size)
    b = torch.randn(size, size)

    def once():
        start = time.perf_counter()
        (a.t() @ b) if transpose_a else (a @ b)
        return 2 * size**3 / (time.perf_counter() - start) / 1e9

    once()  # warm-up
    return Figure([once() for _ in range(repeats)])


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


def heavy_ranker_samples_per_s(torch, architecture, mode, batch, warmup, repeats):
    from recap_bench import RankingModel, random_batch

    model = RankingModel(architecture)
    inputs, labels = random_batch(torch, architecture, batch)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = torch.nn.BCEWithLogitsLoss()

    def train_step():
        start = time.perf_counter()
        model.train()
        optimizer.zero_grad(set_to_none=True)
        loss = loss_fn(model(inputs), labels)
        loss.backward()
        optimizer.step()
        loss.item()
        return batch / (time.perf_counter() - start)

    def infer():
        start = time.perf_counter()
        model.eval()
        with torch.no_grad():
            torch.sigmoid(model(inputs)).sum().item()
        return batch / (time.perf_counter() - start)

    return median_of(train_step if mode == "train" else infer, warmup, repeats)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--output", required=True)
    parser.add_argument("--setting", choices=list(SETTINGS), default="threads1")
    parser.add_argument("--threads", type=int, default=len(os.sched_getaffinity(0)), help="nproc")
    parser.add_argument("--data-dir", help="the shared data folder (for the Frappe case)")
    parser.add_argument(
        "--architectures",
        help="the models as bench/reference/architectures.mjs writes them (the Heavy Ranker and Frappe cases)",
    )
    parser.add_argument("cases", nargs="*")
    args = parser.parse_args()
    torch_threads = apply_setting(args.setting, args.threads)
    try:
        import torch
    except ImportError as error:
        write_atomic(args.output, {"available": False, "reason": f"PyTorch not importable ({error})"})
        return 0
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path.insert(0, here)
    import frappe_masknet_torch
    import recap_bench
    import twhin_torch

    if torch_threads is not None:
        torch.set_num_threads(torch_threads)
    torch.manual_seed(0)
    cases = {
        "matmul_2048_gflops": lambda: (matmul_gflops(torch, 2048, False, 5), "GFLOP/s"),
        "matmul_1024_tn_gflops": lambda: (matmul_gflops(torch, 1024, True, 5), "GFLOP/s"),
        "heavy_ranker_proxy_train_full": lambda: (mlp_ms(torch, FULL_LAYERS, "train", 5), "ms/step"),
        "heavy_ranker_proxy_train_small": lambda: (mlp_ms(torch, SMALL_LAYERS, "train", 10), "ms/step"),
        "heavy_ranker_proxy_infer_full": lambda: (mlp_ms(torch, FULL_LAYERS, "infer", 5), "ms/batch"),
        # bench/cases/twhin-train.mjs: SGD (the original's optimizer) and the @adagrad variant
        # (torch's Adagrad is element-wise; tml-ts's is row-wise).
        "twhin_train_edges_per_s": lambda: (twhin_torch.twhin_train_edges_per_s(torch, "sgd"), "edges/s"),
        "twhin_train_edges_per_s@adagrad": lambda: (
            twhin_torch.twhin_train_edges_per_s(torch, "adagrad"),
            "edges/s",
        ),
        # bench/cases/twhin-train-1vsall.mjs: ComplEx-N3, 1vsAll, as facebookresearch/kbc trains it.
        "twhin_train_1vsall_edges_per_s": lambda: (
            twhin_torch.complex_one_vs_all_edges_per_s(torch),
            "edges/s",
        ),
    }
    if args.architectures:
        architectures = recap_bench.load_architectures(args.architectures)
        # name: (architecture, mode, batch, warm-up steps, repeats), as the TypeScript cases.
        heavy_ranker_cases = {
            "heavy_ranker_train_full_samples_per_s": ("local_prod", "train", 512, 1, 3),
            "heavy_ranker_train_small_samples_per_s": ("local_small", "train", 64, 50, 30),
            "heavy_ranker_infer_full_samples_per_s": ("local_prod", "infer", 512, 1, 5),
            "heavy_ranker_infer_small_samples_per_s": ("local_small", "infer", 64, 50, 30),
        }
        for name, (architecture, *run) in heavy_ranker_cases.items():
            cases[name] = lambda architecture=architectures[architecture], run=run: (
                heavy_ranker_samples_per_s(torch, architecture, *run),
                "samples/s",
            )
    else:
        needing = [
            name
            for name in args.cases
            if (name.startswith("heavy_ranker_") and "proxy" not in name) or name.startswith("frappe_")
        ]
        if needing:
            parser.error(f"{', '.join(needing)} need --architectures (node bench/reference/architectures.mjs OUT.json)")
    frappe_dir = os.path.join(args.data_dir, "frappe") if args.data_dir else None
    if frappe_dir and os.path.isdir(frappe_dir) and args.architectures:
        cases["frappe_masknet_epoch_s"] = lambda: (
            frappe_masknet_torch.frappe_epoch_seconds(torch, frappe_dir, architectures["frappe_masknet"]),
            "s",
        )
    # A case's variants (name@variant) are measured when the case itself is asked for.
    asked = args.cases or list(cases)
    asked += [name for name in cases if "@" in name and name.split("@")[0] in asked]
    wanted = list(dict.fromkeys(name for name in asked if name in cases))
    results = {}
    for name in wanted:
        value, unit = cases[name]()
        results[name] = {"value": float(value), "unit": unit}
        if isinstance(value, Figure):
            results[name]["best"] = value.best
        print(f"reference [{args.setting}]: {name} {value:.4g} {unit}", file=sys.stderr)
    write_atomic(
        args.output,
        {
            "available": True,
            "setting": args.setting,
            "description": SETTINGS[args.setting][0],
            "torch": torch.__version__,
            "torchThreads": torch.get_num_threads(),
            "blasThreads": openblas_threads(),
            "blas": blas_name(),
            "environment": {variable: os.environ.get(variable) for variable in POOL_VARIABLES},
            "cases": results,
        },
    )
    return 0


def write_atomic(path, report):
    temporary = f"{path}.tmp"
    with open(temporary, "w") as handle:
        json.dump(report, handle)
    os.replace(temporary, path)


if __name__ == "__main__":
    sys.exit(main())
