import { SlackMessageRejectedError, SlackWebhookRejectedError, type SlackRejectedError } from '../../core/errors.js';

/**
 * Answers about the webhook, its channel or its workspace, not about the message (Slack's documented strings):
 * another payload would be refused the same way, so they must never dead-letter a message.
 */
const WEBHOOK_ERRORS = new Set([
  'no_service',
  'no_service_id',
  'no_active_hooks',
  'no_team',
  'team_disabled',
  'invalid_token',
  'token_revoked',
  'channel_not_found',
  'channel_is_archived',
  'user_not_found',
  'action_prohibited',
  'posting_to_general_channel_denied',
]);
/** Statuses that concern the endpoint whatever the body: unauthorised, forbidden, not found, gone. */
const WEBHOOK_STATUSES = new Set([401, 403, 404, 410]);

/** A permanent 4xx (not 429) as the error to decide by: the webhook refused, or this message refused. */
export function slackRefusal(statusCode: number, body: string): SlackRejectedError {
  const word = body.trim().split(/\s/)[0] ?? '';
  return WEBHOOK_STATUSES.has(statusCode) || WEBHOOK_ERRORS.has(word)
    ? new SlackWebhookRejectedError(statusCode, body)
    : new SlackMessageRejectedError(statusCode, body);
}
