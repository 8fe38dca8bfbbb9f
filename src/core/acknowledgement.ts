import type { RuleId } from './rule-catalog.js';

/**
 * A finding acknowledged from Slack: it stays open, but reminders skip it until `until` (actions.ackDays after
 * it was acknowledged); the digest counts it apart. Who is a Slack user, by id and by the name Slack gave.
 */
export interface Acknowledgement {
  readonly findingId: string;
  readonly clientId: number;
  readonly tokenId: number;
  readonly rule: RuleId;
  /** The Slack user id (U012ABCDEF). */
  readonly by: string;
  /** The user's Slack name, cleaned, for people. */
  readonly name: string;
  /** ISO. */
  readonly at: string;
  /** ISO: the first instant it no longer holds. */
  readonly until: string;
}

/** Whether the acknowledgement still keeps its finding out of reminders at `now`. */
export const ackInForce = (a: Pick<Acknowledgement, 'until'>, now: Date) => now.getTime() < Date.parse(a.until);
