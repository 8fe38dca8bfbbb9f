// Jest's own order puts files it has no timings for first (every file, on a clean clone such as CI's), then the
// larger files. Some of the longest files are short to read (a 25,000-token run in 85 lines): started last, one
// of them would run alone on one worker after the other had finished. These start first, longest first, as
// measured (README "Development"); the rest keep Jest's order.
import Sequencer from '@jest/test-sequencer';

// Mean of three parallel runs on 2026-12-05 (2 workers): 122, 90, 62, 49, 42, 41, 34, 31, 28 and 26 s.
export const LONGEST_FIRST = [
  'test/integration/store-process.test.ts',
  'test/integration/trigger-race-process.test.ts',
  'test/integration/cli-read.test.ts',
  'test/integration/slack-estate.test.ts',
  'test/integration/redis-connection.test.ts',
  'test/integration/redis-cluster.test.ts',
  'test/integration/mute-plan-process.test.ts',
  'test/integration/cli-process.test.ts',
  'test/integration/faults.test.ts',
  'test/integration/metrics.test.ts',
];

export default class LongestFirstSequencer extends Sequencer {
  async sort(tests) {
    const sorted = await super.sort(tests);
    const rank = (test) => {
      const i = LONGEST_FIRST.findIndex((file) => test.path.endsWith(file));
      return i === -1 ? LONGEST_FIRST.length : i;
    };
    return [...sorted].sort((a, b) => rank(a) - rank(b));
  }
}
