import { CronExpressionParser } from 'cron-parser';

/**
 * The longest wait between two runs of the schedule over its next `span` runs from `from`: a weekday-only
 * schedule waits 72 h over a weekend, and staleness must not be claimed every Monday morning.
 */
export function scheduleGapMs(cron: string, timezone: string, from: Date, span = 14): number {
  const it = CronExpressionParser.parse(cron, { tz: timezone, currentDate: from });
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
    CronExpressionParser.parse(cron);
    return null;
  } catch (error) {
    return (error as Error).message;
  }
}
