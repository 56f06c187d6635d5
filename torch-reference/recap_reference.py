"""The Heavy Ranker in PyTorch, written from the original's documented architecture
(projects/home/recap/model/entrypoint.py, feature_transform.py, mask_net.py, mlp.py,
numeric_calibration.py; projects/home/recap/optimizer/optimizer.py) for tml-ts's numerical parity
test. Module attributes are named so that `state_dict()` has the original's keys; a
share_all model with a parallel MaskNet backbone and MLP towers (local_prod's layout).

Usage: recap_reference.py <dir>. Reads <dir>/config.json (the architecture's sizes, learning
rates, Adam settings, label names), <dir>/initial.safetensors (a state_dict) and
<dir>/batch.safetensors; writes <dir>/outputs.safetensors (logits in eval mode before the step, in
train mode, in eval mode after the step; the step's loss) and <dir>/updated.safetensors (the
state_dict after one Adam step) and <dir>/adam.safetensors (Adam's `exp_avg` and `exp_avg_sq` of
each parameter after the step, under `<key>.exp_avg` / `<key>.exp_avg_sq`).
"""
import json
import os
import sys

import torch
from torch import nn
from torch.nn import functional

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from safetensors_io import read_safetensors, write_safetensors  # noqa: E402


def sanitize(name):
    return name.replace(".", "__")


class NonFinite(nn.Module):
    """Replaces NaN and +-inf by 0 (its fill value is a non-persistent buffer)."""

    def __init__(self):
        super().__init__()
        self.register_buffer("fill_value", torch.tensor(0.0), persistent=False)

    def forward(self, x):
        return torch.where(torch.isfinite(x), x, self.fill_value)


class SignedLog(nn.Module):
    def forward(self, x):
        return torch.sign(x) * torch.log1p(torch.abs(x))


class Wrapped(nn.Module):
    """A layer one attribute level down (`.layer.`), as the original's norm wrappers."""

    def __init__(self, layer):
        super().__init__()
        self.layer = layer

    def forward(self, x):
        return self.layer(x)


class Clamp(nn.Module):
    def __init__(self, magnitude):
        super().__init__()
        self.register_buffer("min_value", torch.tensor(-magnitude))
        self.register_buffer("max_value", torch.tensor(magnitude))

    def forward(self, x):
        return torch.clamp(x, self.min_value, self.max_value)


class DoubleNormLog(nn.Module):
    """non-finite -> 0, signed log, BatchNorm1d, clamp, concat binary, LayerNorm."""

    def __init__(self, continuous, binary, config):
        super().__init__()
        batch_norm = nn.BatchNorm1d(continuous, affine=config["batch_norm_affine"], momentum=config["batch_norm_momentum"])
        self._before_concat_layers = nn.Sequential(NonFinite(), SignedLog(), Wrapped(batch_norm), Clamp(config["clip"]))
        self.layer_norm = Wrapped(nn.LayerNorm(continuous + binary, eps=config["layer_norm_epsilon"]))

    def forward(self, continuous, binary):
        return self.layer_norm(torch.cat([self._before_concat_layers(continuous), binary], dim=1))


class Mlp(nn.Module):
    """Per hidden size Linear, [BatchNorm1d], ReLU, [Dropout]; then Linear [+ ReLU]."""

    def __init__(self, width, config):
        super().__init__()
        layers = []
        for size in config["layer_sizes"][:-1]:
            layers.append(nn.Linear(width, size))
            if config.get("batch_norm_momentum") is not None:
                layers.append(nn.BatchNorm1d(size, affine=config["batch_norm_affine"], momentum=config["batch_norm_momentum"]))
            layers.append(nn.ReLU())
            if config.get("dropout") is not None:
                layers.append(nn.Dropout(config["dropout"]))
            width = size
        layers.append(nn.Linear(width, config["layer_sizes"][-1]))
        if config.get("final_layer_activation"):
            layers.append(nn.ReLU())
        self.layers = nn.Sequential(*layers)

    def forward(self, x):
        return self.layers(x)


class MaskBlock(nn.Module):
    """LayerNorm(W_h (x * M(x)) + b_h) with M(x) = W2 ReLU(W1 x + b1) + b2; no activation after."""

    def __init__(self, width, aggregation, output):
        super().__init__()
        self._mask_layer = nn.Sequential(nn.Linear(width, aggregation), nn.ReLU(), nn.Linear(aggregation, width))
        self._hidden_layer = nn.Linear(width, output)
        self._layer_norm = nn.LayerNorm(output)

    def forward(self, net, mask_input):
        return self._layer_norm(self._hidden_layer(net * self._mask_layer(mask_input)))


class ParallelMaskNet(nn.Module):
    def __init__(self, width, blocks, mlp):
        super().__init__()
        self._mask_blocks = nn.ModuleList(MaskBlock(width, block["aggregation_size"], block["output_size"]) for block in blocks)
        self._dense_layers = Mlp(sum(block["output_size"] for block in blocks), mlp)

    def forward(self, x):
        return self._dense_layers(torch.cat([block(x, x) for block in self._mask_blocks], dim=1))


class Calibrator(nn.Module):
    def __init__(self, ratio):
        super().__init__()
        self.register_buffer("ratio", torch.tensor(ratio))


class RankingModel(nn.Module):
    """share_all: featurization and embedding norms -> MaskNet backbone -> one MLP tower per task."""

    def __init__(self, config):
        super().__init__()
        self.embeddings = config["embeddings"]
        self._preprocessor = DoubleNormLog(config["continuous"], config["binary"], config["featurization"])
        for name in self.embeddings:
            setattr(self, f"_{name}_layer_norm", nn.LayerNorm(config["embedding_width"]))
        width = config["continuous"] + config["binary"] + len(self.embeddings) * config["embedding_width"]
        self._backbone = ParallelMaskNet(width, config["mask_blocks"], config["backbone_mlp"])
        tower_width = config["backbone_mlp"]["layer_sizes"][-1]
        self.task_names = [task["name"] for task in config["tasks"]]
        self._towers = nn.ModuleDict({sanitize(task["name"]): Mlp(tower_width, task) for task in config["tasks"]})
        self._calibrators = nn.ModuleDict({sanitize(name): Calibrator(1.0) for name in self.task_names})

    def forward(self, batch):
        parts = [self._preprocessor(batch["continuous"], batch["binary"])]
        parts += [getattr(self, f"_{name}_layer_norm")(batch[name]) for name in self.embeddings]
        net = self._backbone(torch.cat(parts, dim=1))
        return torch.cat([self._towers[sanitize(name)](net) for name in self.task_names], dim=1)  # [B, T]


def multi_task_loss(logits, labels, weights):
    """(1/T) sum_t (1/B) sum_b w[b,t] BCE-with-logits(z[b,t], y[b,t])."""
    per_task = [
        functional.binary_cross_entropy_with_logits(logits[:, t], labels[:, t], weight=weights[:, t])
        for t in range(logits.shape[1])
    ]
    return torch.stack(per_task).mean()


def adam_per_group(model, config):
    """One Adam per tower (parameters whose name holds `.<sanitized task>.`) plus `backbone`."""
    adam = config["adam"]
    named = list(model.named_parameters())
    optimizers = []
    taken = set()
    for task in model.task_names:
        params = [p for name, p in named if f".{sanitize(task)}." in name]
        taken.update(id(p) for p in params)
        optimizers.append((task, params))
    optimizers.append(("backbone", [p for _, p in named if id(p) not in taken]))
    return [
        torch.optim.Adam(params, lr=config["learning_rates"][group], betas=(adam["beta_1"], adam["beta_2"]), eps=adam["epsilon"])
        for group, params in optimizers
    ]


def main(directory):
    torch.set_num_threads(max(1, os.cpu_count() or 1))
    with open(os.path.join(directory, "config.json")) as handle:
        config = json.load(handle)
    initial = read_safetensors(os.path.join(directory, "initial.safetensors"))
    batch = read_safetensors(os.path.join(directory, "batch.safetensors"))
    model = RankingModel(config)
    model.load_state_dict(initial, strict=True)
    columns = [config["label_names"].index(name) for name in model.task_names]
    labels, weights = batch["labels"][:, columns], batch["weights"][:, columns]

    model.eval()
    with torch.no_grad():
        eval_before = model(batch)
    model.train()
    with torch.no_grad():
        train_logits = model(batch)
    model.load_state_dict(initial, strict=True)  # undo the running statistics' update

    optimizers = adam_per_group(model, config)
    model.train()
    loss = multi_task_loss(model(batch), labels, weights)
    loss.backward()
    for optimizer in optimizers:
        optimizer.step()
    model.eval()
    with torch.no_grad():
        eval_after = model(batch)

    outputs = {"eval_before": eval_before, "train_logits": train_logits, "eval_after": eval_after, "loss": loss.detach().reshape([])}
    write_safetensors(os.path.join(directory, "outputs.safetensors"), outputs)
    write_safetensors(os.path.join(directory, "updated.safetensors"), model.state_dict())
    moments = {}
    for name, parameter in model.named_parameters():
        state = next(optimizer.state[parameter] for optimizer in optimizers if parameter in optimizer.state)
        moments[f"{name}.exp_avg"] = state["exp_avg"]
        moments[f"{name}.exp_avg_sq"] = state["exp_avg_sq"]
    write_safetensors(os.path.join(directory, "adam.safetensors"), moments)


if __name__ == "__main__":
    main(sys.argv[1])
