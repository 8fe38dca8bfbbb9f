import { withTimeout } from '../../core/with-timeout.js';

/** What a bounded read gives a scrape: the latest value known (undefined before the first answer), and whether it answered in time. */
export interface BoundedValue<T> {
  readonly value: T | undefined;
  readonly fresh: boolean;
}

/**
 * Wraps a read of Redis for /metrics: it waits at most `boundMs`, and a read still in flight is awaited
 * again instead of being sent twice. The worker's ioredis client queues commands while Redis is away and
 * never fails them (BullMQ needs that), so an unbounded read hung each scrape, and a new read per scrape
 * piled up one pending command per request. Here at most one read per gauge is ever pending; on a
 * time-out or an error the last value read is kept and `fresh` is false.
 */
export function boundedRead<T>(read: () => Promise<T>, boundMs: number): () => Promise<BoundedValue<T>> {
  let last: T | undefined;
  let inFlight: Promise<boolean> | null = null;
  return async () => {
    inFlight ??= Promise.resolve()
      .then(read)
      .then(
        (value) => {
          last = value;
          inFlight = null;
          return true;
        },
        () => {
          inFlight = null;
          return false;
        },
      );
    const fresh = await withTimeout(inFlight, boundMs, () => false, { unref: true });
    return { value: last, fresh };
  };
}
