import type { Severity } from '../core/severity.js';
import type { Route } from './route-findings.js';

/** `notify.slack`: how findings reach Slack. */
export interface SlackSettings {
  /** Findings below it are counted, not posted. */
  readonly minSeverity: Severity;
  readonly renotifyAfterHours: number;
  /** The most messages one run posts to one webhook, everything included. */
  readonly maxMessagesPerRun: number;
  /** New findings at or above it are told token by token; below, rolled up by rule. */
  readonly detailSeverity: Severity;
  /** Tried in order; findings no route takes go to SLACK_WEBHOOK_URL. */
  readonly routes: readonly Route[];
  /** The hosts a webhook may point at (lower case); absent: Slack's own, DEFAULT_WEBHOOK_HOSTS. */
  readonly allowedHosts?: readonly string[];
}
