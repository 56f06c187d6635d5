"""The Heavy Ranker for the bench's PyTorch rows: torch-reference/recap_reference.py's
RankingModel (the model the parity test holds to tml-ts's logits), built from the architectures
bench/reference/architectures.mjs writes from @tml/heavy-ranker's local_prod / local_small YAML.

Usage: recap_bench.py ARCHITECTURES.json prints local_prod's and local_small's FLOP per sample of
the nn.Linear products (forward, and 3x for training) and parameters, counted by PyTorch, to
cross-check the bench's own counts (bench/lib/model-flops.mjs)."""
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "torch-reference"))
from recap_reference import RankingModel  # noqa: E402


def load_architectures(path):
    with open(path) as handle:
        return json.load(handle)


def random_batch(torch, architecture, batch):
    """A fixed-shape random batch: continuous in [0, 10), binary with P(1) = 0.3, embeddings in
    [-0.5, 0.5), labels with P(1) = 0.1 (the TypeScript cases' distributions)."""
    inputs = {
        "continuous": torch.rand(batch, architecture["continuous"]) * 10,
        "binary": (torch.rand(batch, architecture["binary"]) > 0.7).float(),
    }
    for name in architecture["embeddings"]:
        inputs[name] = torch.rand(batch, architecture["embedding_width"]) - 0.5
    labels = (torch.rand(batch, len(architecture["tasks"])) > 0.9).float()
    return inputs, labels


def linear_flops_per_sample(torch, architecture):
    """FLOP of one forward pass per sample through the model's nn.Linear products (2 · in · out
    per layer), counted with forward hooks on a batch of 2 (BatchNorm needs more than one row)."""
    model = RankingModel(architecture)
    counted = []

    def hook(module, inputs, output):
        counted.append(2 * inputs[0].shape[0] * module.in_features * module.out_features)

    handles = [module.register_forward_hook(hook) for module in model.modules() if isinstance(module, torch.nn.Linear)]
    inputs, _ = random_batch(torch, architecture, 2)
    with torch.no_grad():
        model(inputs)
    for handle in handles:
        handle.remove()
    return sum(counted) // 2


if __name__ == "__main__":
    import torch

    architectures = load_architectures(sys.argv[1])
    for name in ("local_prod", "local_small"):
        architecture = architectures[name]
        forward = linear_flops_per_sample(torch, architecture)
        parameters = sum(parameter.numel() for parameter in RankingModel(architecture).parameters())
        print(f"{name}: {forward:,} FLOP/sample forward, {3 * forward:,} training; {parameters:,} parameters")
