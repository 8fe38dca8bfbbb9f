import { createRequire } from 'node:module';
import type { CronExpressionParser as Parser } from 'cron-parser';

// cron-parser (with luxon, about 23 ms of CPU to load) is required on first use, not imported: `audit` with a
// configuration that sets no schedule never checks one and starts that much sooner. It is CommonJS, so a
// require loads it synchronously, where the configuration's schema needs it.
let parser: typeof Parser | undefined;
function cronParser(): typeof Parser {
  parser ??= (createRequire(import.meta.url)('cron-parser') as typeof import('cron-parser')).CronExpressionParser;
  return parser;
}

/**
 * The longest wait between two runs of the schedule over its next `span` runs from `from`: a weekday-only
 * schedule waits 72 h over a weekend, and staleness must not be claimed every Monday morning.
 */
export function scheduleGapMs(cron: string, timezone: string, from: Date, span = 14): number {
  const it = cronParser().parse(cron, { tz: timezone, currentDate: from });
  let previous = it.next().getTime();
  let longest = 0;
  for (let i = 0; i < span; i += 1) {
    const next = it.next().getTime();
    longest = Math.max(longest, next - previous);
    previous = next;
  }
  return longest;
}

/** null when the pattern is valid, else the parser's reason. */
export function cronProblem(cron: string): string | null {
  try {
    cronParser().parse(cron);
    return null;
  } catch (error) {
    return (error as Error).message;
  }
}
