import { WebClient, ErrorCode, type WebAPICallResult } from '@slack/web-api';
import type { Logger } from 'pino';
import { SlackApiError } from '../../core/errors.js';
import type { SlackWeb } from './interaction.js';
import { slackSdkLogger } from './slack-sdk-logger.js';

/**
 * SlackWeb over Slack's own Web API client with the bot token (xoxb-…, scopes chat:write and usergroups:read).
 * A failure is a SlackApiError naming the method and Slack's error code (`invalid_auth`, `message_not_found`…),
 * never the token or the request.
 */
export function webClientSlackWeb(options: { botToken: string; apiUrl?: string; logger: Logger; redact: (text: string) => string; retries?: number }): SlackWeb {
  const client = new WebClient(options.botToken, {
    ...(options.apiUrl ? { slackApiUrl: options.apiUrl } : {}),
    logger: slackSdkLogger(options.logger, options.redact),
    // The actions answer a click: a few quick retries, not the SDK's default of ten over half an hour.
    retryConfig: { retries: options.retries ?? 2, factor: 2, minTimeout: 500, maxTimeout: 5000 },
    timeout: 10_000,
  });
  const call = async <T extends WebAPICallResult>(method: string, run: () => Promise<T>): Promise<T> => {
    try {
      return await run();
    } catch (error) {
      throw new SlackApiError(method, slackErrorCode(error, options.redact), { cause: error });
    }
  };
  return {
    async updateMessage(channel, ts, text, blocks) {
      await call('chat.update', () => client.chat.update({ channel, ts, text, blocks: [...blocks] as never }));
    },
    async openView(triggerId, view) {
      await call('views.open', () => client.views.open({ trigger_id: triggerId, view: view as never }));
    },
    async postEphemeral(channel, user, text) {
      await call('chat.postEphemeral', () => client.chat.postEphemeral({ channel, user, text }));
    },
    async userGroupMembers(groupId) {
      const result = await call('usergroups.users.list', () => client.usergroups.users.list({ usergroup: groupId }));
      return result.users ?? [];
    },
  };
}

/** Slack's own code for a refusal (`{ok:false, error}`), else the kind of failure: no request text, no token. */
function slackErrorCode(error: unknown, redact: (text: string) => string): string {
  const e = error as { code?: unknown; data?: { error?: unknown }; statusCode?: unknown };
  if (e.code === ErrorCode.PlatformError && typeof e.data?.error === 'string') {
    return redact(e.data.error);
  }
  if (e.code === ErrorCode.HTTPError) {
    return `HTTP ${String(e.statusCode)}`;
  }
  if (e.code === ErrorCode.RateLimitedError) {
    return 'rate limited';
  }
  return e.code === ErrorCode.RequestError ? 'no answer (network)' : 'unexpected failure';
}
