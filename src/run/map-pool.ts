/**
 * Maps `items` through `fn` with at most `concurrency` calls in flight, results in input order.
 * A pool of pullers, not one promise per item up front: memory stays flat for tens of thousands of items.
 */
export async function mapPool<T, R>(items: readonly T[], concurrency: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = [];
  let next = 0;
  const pull = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, pull));
  return results;
}
