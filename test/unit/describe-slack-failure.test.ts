import { describe, expect, it } from '@jest/globals';
import { describeSlackFailure, webhookHolder } from '../../src/app/cli/describe-slack-failure.js';
import { notAuditedAccounts } from '../../src/app/cli/audit-command.js';
import { SlackRejectedError, SlackUnavailableError } from '../../src/core/errors.js';

describe('a failed delivery as one line for a person', () => {
  it('names the variable that holds the webhook: SLACK_WEBHOOK_URL, or the route and its variable', () => {
    expect(webhookHolder('default', undefined)).toBe('SLACK_WEBHOOK_URL');
    expect(webhookHolder('oncall', 'SLACK_ONCALL_WEBHOOK')).toBe('route "oncall" (SLACK_ONCALL_WEBHOOK)');
    expect(webhookHolder('oncall', undefined)).toBe('route "oncall"');
  });

  it.each([
    ['channel_is_archived', 'its channel is archived: unarchive it, or create a webhook for another channel'],
    ['invalid_token', "the webhook's token is invalid: create a new webhook"],
  ])('Slack\'s %s comes with what to do', (answer, hint) => {
    const line = describeSlackFailure(new SlackRejectedError(403, answer), 'route "oncall" (SLACK_ONCALL_WEBHOOK)', { posted: 1, messages: 3 }, 'kept');
    expect(line).toBe(`Slack rejected the webhook in route "oncall" (SLACK_ONCALL_WEBHOOK): HTTP 403 ${answer} (${hint}); 1 of 3 messages posted; kept`);
  });

  it('an answer without a known remedy is given as Slack said it; an unreachable Slack says so', () => {
    expect(describeSlackFailure(new SlackRejectedError(400, 'something_new'), 'SLACK_WEBHOOK_URL', { posted: 0, messages: 1 }, 'kept')).toBe(
      'Slack rejected the webhook in SLACK_WEBHOOK_URL: HTTP 400 something_new; 0 of 1 message posted; kept',
    );
    expect(describeSlackFailure(new SlackUnavailableError('HTTP 503 after 4 attempts'), 'SLACK_WEBHOOK_URL', { posted: 0, messages: 2 }, 'kept')).toBe(
      'Slack could not be reached with the webhook in SLACK_WEBHOOK_URL: HTTP 503 after 4 attempts; 0 of 2 messages posted; kept',
    );
  });
});

describe('the accounts an audit could not read, for its summary', () => {
  const problem = (reason: string) => ({ apiKeyEnv: 'K', clientId: 1, reason, line: '' });
  it('none: nothing to say', () => {
    expect(notAuditedAccounts(0, [])).toBeNull();
  });
  it('each reason once, and the warnings named for accounts lost otherwise', () => {
    expect(notAuditedAccounts(2, [problem('key rejected'), problem('key rejected')])).toEqual({ count: 2, reasons: ['key rejected'] });
    expect(notAuditedAccounts(3, [problem('key rejected'), problem('key not set')])).toEqual({ count: 3, reasons: ['key rejected', 'key not set', 'see the warnings'] });
  });
});
