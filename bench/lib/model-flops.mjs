// Arithmetic of a Heavy Ranker's matrix products, counted from the model's own weights: what the
// GFLOP/s and "% of peak" columns of the ranker cases divide by.

/**
 * FLOP of one forward pass per sample through `model`'s matrix products: 2 · Σ in·out over every
 * 2-D weight (linear layers, tower affine maps). Small embedding tables (`_small_embeddings.*`) are
 * 2-D too but are gathered, not multiplied, so they are left out; normalisation, activations and
 * the mask product are O(width) per sample and left out as well (under 1% of local_prod's products).
 */
export function forwardFlopsPerSample(model) {
  let multiplyAdds = 0;
  for (const [key, variable] of model.namedWeights()) {
    if (!variable.trainable || variable.rank !== 2) continue;
    if (key.startsWith("_small_embeddings.")) continue;
    multiplyAdds += variable.size;
  }
  return 2 * multiplyAdds;
}

/**
 * FLOP per sample of a training step: the forward products, then per product one for the input
 * gradient (dy·Wᵀ) and one for the weight gradient (xᵀ·dy): 3× the forward. Every input gradient
 * is needed here, because the first products' inputs come from trainable norms or embeddings.
 */
export function trainFlopsPerSample(model) {
  return 3 * forwardFlopsPerSample(model);
}
