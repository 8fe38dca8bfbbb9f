import { SlackRejectedError } from '../../core/errors.js';
import { DEFAULT_ROUTE } from '../../alerts/route-findings.js';
import { DEFAULT_WEBHOOK_ENV } from '../../alerts/slack/route-webhooks.js';

// What an operator does about Slack's own answers to a webhook (its documented incoming-webhook errors).
const HINTS: Record<string, string> = {
  no_service: 'the webhook was removed or never existed: create a new one',
  invalid_token: 'the webhook\'s token is invalid: create a new webhook',
  channel_is_archived: 'its channel is archived: unarchive it, or create a webhook for another channel',
  channel_not_found: 'its channel no longer exists: create a webhook for another channel',
  action_prohibited: 'an admin restricted posting to its channel',
  posting_to_general_channel_denied: 'only admins may post to its channel',
  no_team: 'its workspace no longer exists',
  team_disabled: 'its workspace is disabled',
  invalid_payload: 'Slack could not read the message (a bug: please report it)',
};

/** `SLACK_WEBHOOK_URL`, or `route "oncall" (SLACK_ONCALL_WEBHOOK)`: where the webhook is set, never the webhook. */
export function webhookHolder(route: string, webhookEnv: string | undefined): string {
  if (route === DEFAULT_ROUTE) {
    return DEFAULT_WEBHOOK_ENV;
  }
  return webhookEnv === undefined ? `route "${route}"` : `route "${route}" (${webhookEnv})`;
}

/**
 * One plain line for a delivery that failed: who holds the webhook, Slack's answer and what to do about
 * it, how far it got, and `kept` (what stays queued).
 */
export function describeSlackFailure(error: Error, holder: string, progress: { posted: number; messages: number }, kept: string): string {
  const of = `${progress.posted} of ${progress.messages} message${progress.messages === 1 ? '' : 's'} posted`;
  if (error instanceof SlackRejectedError) {
    const hint = HINTS[error.slackError];
    return `Slack rejected the webhook in ${holder}: HTTP ${error.statusCode} ${error.slackError}${hint === undefined ? '' : ` (${hint})`}; ${of}; ${kept}`;
  }
  return `Slack could not be reached with the webhook in ${holder}: ${error.message}; ${of}; ${kept}`;
}
