/**
 * Wraps an async iterable so the next item is requested as soon as the current one is handed
 * out: the source reads item n + 1 (file I/O, decompression) while the consumer works on item n.
 * At most one item is read ahead. Errors surface when the item that failed would have been yielded.
 */
export async function* prefetch<T>(source: AsyncIterable<T>): AsyncGenerator<T> {
  const iterator = source[Symbol.asyncIterator]();
  let pending = iterator.next();
  try {
    for (;;) {
      const result = await pending;
      if (result.done) return;
      pending = iterator.next();
      // Handled here so an early exit by the consumer does not leave an unhandled rejection.
      pending.catch(() => undefined);
      yield result.value;
    }
  } finally {
    await pending.catch(() => undefined);
    await iterator.return?.();
  }
}
