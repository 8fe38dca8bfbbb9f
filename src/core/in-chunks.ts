/**
 * The items in consecutive slices of at most `size` (the last may be shorter; none for no item): what a
 * large list is written to Redis in, so that no one piece of it is serialized whole.
 */
export function* inChunks<T>(items: readonly T[], size: number): Generator<T[]> {
  if (!Number.isInteger(size) || size < 1) {
    throw new RangeError(`a chunk holds at least one item, not ${size}`);
  }
  for (let i = 0; i < items.length; i += size) {
    yield items.slice(i, i + size);
  }
}
