// An MLP shaped like the Heavy Ranker's dense tower (the "proxy" bench cases): linear → batch norm
// (batch statistics) → relu per hidden layer, a linear logit, BCE-with-logits, Adam. Used to
// measure the engine before and besides the real model; clearly named *_proxy in results.
import { tf } from "./tf.mjs";

/** Layer widths of the full Heavy Ranker dense tower and of the small local config. */
export const FULL_LAYERS = [2776, 4096, 2048, 256, 128, 1];
export const SMALL_LAYERS = [512, 256, 128, 1];

/** Flops of one forward pass (2·B·Σ in·out) for a batch. */
export function forwardFlops(layers, batch) {
  let flops = 0;
  for (let index = 0; index + 1 < layers.length; index++)
    flops += 2 * batch * layers[index] * layers[index + 1];
  return flops;
}

function uniformArray(size, scale, seed) {
  // A small LCG: deterministic weights without pulling in core's Rng for a benchmark.
  const values = new Float32Array(size);
  let state = seed >>> 0;
  for (let index = 0; index < size; index++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    values[index] = ((state / 4294967296) * 2 - 1) * scale;
  }
  return values;
}

/** Builds the MLP; returns { variables, forward(x, training), step(x, y), dispose() }. */
export function buildMlp(layers, { learningRate = 1e-3, seed = 1 } = {}) {
  const params = [];
  for (let index = 0; index + 1 < layers.length; index++) {
    const fanIn = layers[index];
    const fanOut = layers[index + 1];
    const hidden = index + 2 < layers.length;
    params.push({
      kernel: tf.variable(
        tf.tensor2d(uniformArray(fanIn * fanOut, Math.sqrt(6 / fanIn), seed + index), [
          fanIn,
          fanOut,
        ]),
      ),
      bias: tf.variable(tf.zeros([fanOut])),
      gamma: hidden ? tf.variable(tf.ones([fanOut])) : undefined,
      beta: hidden ? tf.variable(tf.zeros([fanOut])) : undefined,
    });
  }
  const variables = params.flatMap((p) => [p.kernel, p.bias, p.gamma, p.beta].filter(Boolean));
  const optimizer = tf.train.adam(learningRate);

  function forward(x, training) {
    let h = x;
    for (const p of params) {
      h = tf.fused.matMul({ a: h, b: p.kernel, bias: p.bias });
      if (p.gamma) {
        // Inference uses the same batch statistics: the proxy keeps no running averages.
        const { mean, variance } = tf.moments(h, 0);
        h = tf.relu(tf.batchNorm(h, mean, variance, p.beta, p.gamma, 1e-3));
      }
    }
    return h;
  }

  function loss(x, y) {
    return tf.losses.sigmoidCrossEntropy(y, forward(x, true));
  }

  return {
    variables,
    forward,
    step(x, y) {
      const value = optimizer.minimize(() => loss(x, y), true, variables);
      const result = value.dataSync()[0];
      value.dispose();
      return result;
    },
    dispose() {
      tf.dispose(variables);
      optimizer.dispose();
    },
  };
}

/** A random batch: x ~ U(-1, 1) of [batch, width], y ∈ {0, 1} of [batch, 1]. */
export function randomBatch(width, batch, seed = 9) {
  const x = tf.tensor2d(uniformArray(batch * width, 1, seed), [batch, width]);
  const labels = uniformArray(batch, 1, seed + 1).map((value) => (value > 0 ? 1 : 0));
  const y = tf.tensor2d(labels, [batch, 1]);
  return { x, y };
}
