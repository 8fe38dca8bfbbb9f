import type { ParentJob } from '../../src/store/job-catalogue.js';

/**
 * A report job's `getDependencies` over `results`, paged as BullMQ's HSCAN is: `count` per page, the next
 * cursor as a string, "0" after the last. `reads` counts the page reads.
 */
export function childPages(results: readonly unknown[]): Pick<ParentJob, 'getDependencies'> & { reads: () => number } {
  let reads = 0;
  return {
    reads: () => reads,
    getDependencies({ processed: { cursor, count } }) {
      reads += 1;
      const end = Math.min(cursor + count, results.length);
      const processed = Object.fromEntries(results.slice(cursor, end).map((r, i) => [`k${cursor + i}`, r]));
      return Promise.resolve({ processed, nextProcessedCursor: end >= results.length ? '0' : String(end) });
    },
  };
}
