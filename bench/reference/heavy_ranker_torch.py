"""The Heavy Ranker (MultiTaskRankingModel, share_all, parallel MaskNet, MLP towers) in PyTorch,
written after the original's projects/home/recap/model/ (entrypoint.py, mask_net.py, mlp.py,
feature_transform.py) for the bench reference: same shapes, same layer order,
same parameter count (local_prod: 48,115,108). Used only to time the original's framework on
this machine; tml-ts does not import it."""
import torch
from torch import nn

EMBEDDING_WIDTH = 200


class DoubleNormLog(nn.Module):
    def __init__(self, continuous, binary, momentum=0.01, clip=5.0):
        super().__init__()
        self.batch_norm = nn.BatchNorm1d(continuous, affine=True, momentum=momentum)
        self.layer_norm = nn.LayerNorm(continuous + binary, eps=0.0)
        self.clip = clip

    def forward(self, continuous, binary):
        x = torch.nan_to_num(continuous, nan=0.0, posinf=0.0, neginf=0.0)
        x = torch.sign(x) * torch.log1p(torch.abs(x))
        x = torch.clamp(self.batch_norm(x), -self.clip, self.clip)
        return self.layer_norm(torch.cat([x, binary], dim=1))


class MaskBlock(nn.Module):
    def __init__(self, width, aggregation, output):
        super().__init__()
        self.mask = nn.Sequential(nn.Linear(width, aggregation), nn.ReLU(), nn.Linear(aggregation, width))
        self.hidden = nn.Linear(width, output)
        self.layer_norm = nn.LayerNorm(output)

    def forward(self, x):
        return self.layer_norm(self.hidden(x * self.mask(x)))


def mlp(width, sizes, batch_norm_affine=None, final_activation=False, dropout=None):
    layers = []
    for size in sizes[:-1]:
        layers.append(nn.Linear(width, size))
        if batch_norm_affine is not None:
            layers.append(nn.BatchNorm1d(size, affine=batch_norm_affine, momentum=0.1))
        layers.append(nn.ReLU())
        if dropout:
            layers.append(nn.Dropout(dropout))
        width = size
    layers.append(nn.Linear(width, sizes[-1]))
    if final_activation:
        layers.append(nn.ReLU())
    return nn.Sequential(*layers)


class HeavyRanker(nn.Module):
    def __init__(self, continuous, binary, blocks, aggregation, block_output, backbone_sizes, tower_sizes, tasks, dropout_tasks=()):
        super().__init__()
        self.features = DoubleNormLog(continuous, binary)
        self.embedding_norms = nn.ModuleList(nn.LayerNorm(EMBEDDING_WIDTH) for _ in range(3))
        width = continuous + binary + 3 * EMBEDDING_WIDTH
        self.blocks = nn.ModuleList(MaskBlock(width, aggregation, block_output) for _ in range(blocks))
        self.backbone_mlp = mlp(blocks * block_output, backbone_sizes, final_activation=True)
        self.towers = nn.ModuleList(
            mlp(backbone_sizes[-1], tower_sizes, batch_norm_affine=False, dropout=0.1 if index in dropout_tasks else None)
            for index in range(tasks)
        )

    def forward(self, continuous, binary, embeddings):
        x = torch.cat([self.features(continuous, binary)] + [norm(e) for norm, e in zip(self.embedding_norms, embeddings)], dim=1)
        net = self.backbone_mlp(torch.cat([block(x) for block in self.blocks], dim=1))
        return torch.cat([tower(net) for tower in self.towers], dim=1)  # [B, T] logits


def local_prod():
    # 10 towers; the negative-feedback tower has dropout in the original config but it does not
    # change the parameter count or the work much.
    return HeavyRanker(2117, 59, 4, 1024, 1024, [2048], [256, 128, 1], 10)


def local_small():
    return HeavyRanker(512, 59, 2, 32, 32, [64], [32, 1], 4, dropout_tasks=(3,))


def random_batch(model, batch):
    continuous = torch.rand(batch, model.features.batch_norm.num_features) * 10
    binary = (torch.rand(batch, model.features.layer_norm.normalized_shape[0] - model.features.batch_norm.num_features) > 0.7).float()
    embeddings = [torch.rand(batch, EMBEDDING_WIDTH) - 0.5 for _ in range(3)]
    labels = (torch.rand(batch, len(model.towers)) > 0.9).float()
    return continuous, binary, embeddings, labels


def linear_flops_per_sample(model):
    """FLOP of one forward pass per sample through the model's nn.Linear products (2 · in · out
    per layer), counted with forward hooks on a batch of 2 (BatchNorm needs more than one row)."""
    counted = []

    def hook(module, inputs, output):
        counted.append(2 * inputs[0].shape[0] * module.in_features * module.out_features)

    handles = [module.register_forward_hook(hook) for module in model.modules() if isinstance(module, nn.Linear)]
    continuous, binary, embeddings, _ = random_batch(model, 2)
    with torch.no_grad():
        model(continuous, binary, embeddings)
    for handle in handles:
        handle.remove()
    return sum(counted) // 2


if __name__ == "__main__":
    # Cross-checks the bench's FLOP counts (bench/lib/model-flops.mjs) against the products the
    # PyTorch model actually runs: prints forward and training (3x) FLOP per sample.
    for name, build in (("local_prod", local_prod), ("local_small", local_small)):
        forward = linear_flops_per_sample(build())
        print(f"{name}: {forward:,} FLOP/sample forward, {3 * forward:,} training")
