/** Milliseconds taken by `fn` (awaited), measured with the monotonic clock. */
export async function timeMs(fn) {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}
