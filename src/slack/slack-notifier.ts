import { IncomingWebhook, IncomingWebhookHTTPError, IncomingWebhookRequestError } from '@slack/webhook';
import { SlackRejectedError, SlackUnavailableError } from '../core/errors.js';
import type { SlackMessage } from './slack-message.js';

export interface SlackNotifier {
  /**
   * Posts the messages in order, spaced to Slack's one message per second. `onDelivered(i)` is called once
   * Slack accepted message i, so a caller can persist progress. Throws SlackRejectedError (permanent, not
   * retried) or SlackUnavailableError (transient failures outlasted every attempt).
   */
  send(messages: readonly SlackMessage[], onDelivered?: (index: number) => Promise<void> | void): Promise<void>;
}

export interface SlackNotifierOptions {
  readonly webhookUrl: string;
  /** Per request; @slack/webhook sets none by default. */
  readonly timeoutMs?: number;
  /** Attempts per message for 5xx and network errors. */
  readonly attempts?: number;
  readonly baseDelayMs?: number;
  /** How many 429 answers one message may get before giving up. */
  readonly maxRateLimitWaits?: number;
  /** Gap between two messages: Slack takes about one per second per webhook. */
  readonly minIntervalMs?: number;
  readonly fetch?: typeof globalThis.fetch;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly now?: () => number;
  readonly onAttempt?: (outcome: 'ok' | 'rate_limited' | 'error' | 'rejected') => void;
}

export function createSlackNotifier(options: SlackNotifierOptions): SlackNotifier {
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const now = options.now ?? Date.now;
  const attempts = options.attempts ?? 4;
  const baseDelay = options.baseDelayMs ?? 1000;
  const minInterval = options.minIntervalMs ?? 1100;
  const maxRateLimitWaits = options.maxRateLimitWaits ?? 5;
  const baseFetch = options.fetch ?? globalThis.fetch;

  // @slack/webhook 8 hides response headers from its errors; reading Retry-After in the fetch it calls
  // keeps the library and honours Slack's wait.
  let lastRetryAfterMs: number | undefined;
  const fetch: typeof globalThis.fetch = async (input, init) => {
    const response = await baseFetch(input, init);
    const header = response.headers.get('retry-after');
    lastRetryAfterMs = header !== null && Number.isFinite(Number(header)) ? Number(header) * 1000 : undefined;
    return response;
  };
  // Retries live in this module only: the library's own retry is off.
  const webhook = new IncomingWebhook(options.webhookUrl, {
    fetch,
    timeout: options.timeoutMs ?? 10_000,
    retryConfig: { retries: 0 },
  });
  let lastSentAt = Number.NEGATIVE_INFINITY;

  async function post(message: SlackMessage): Promise<void> {
    let failures = 0;
    let rateLimited = 0;
    for (;;) {
      const wait = lastSentAt + minInterval - now();
      if (wait > 0) {
        await sleep(wait);
      }
      lastSentAt = now();
      try {
        await webhook.send({ text: message.text, blocks: message.blocks, unfurl_links: false, unfurl_media: false });
        options.onAttempt?.('ok');
        return;
      } catch (error) {
        // Never keep the library's error beyond this point: ours carries status and body only, no URL.
        if (error instanceof IncomingWebhookHTTPError && error.statusCode === 429) {
          options.onAttempt?.('rate_limited');
          rateLimited += 1;
          if (rateLimited > maxRateLimitWaits) {
            throw new SlackUnavailableError(`Slack kept rate-limiting the webhook (${rateLimited} times)`);
          }
          await sleep(Math.max(lastRetryAfterMs ?? 0, 1000));
          continue;
        }
        if (error instanceof IncomingWebhookHTTPError && error.statusCode < 500) {
          options.onAttempt?.('rejected');
          throw new SlackRejectedError(error.statusCode, error.body.slice(0, 100) || error.statusMessage);
        }
        options.onAttempt?.('error');
        failures += 1;
        const problem =
          error instanceof IncomingWebhookHTTPError
            ? `HTTP ${error.statusCode} ${error.body.slice(0, 100)}`
            : error instanceof IncomingWebhookRequestError
              ? `${error.original.name === 'TimeoutError' ? 'timeout' : 'network error'}`
              : 'unexpected error';
        if (failures >= attempts) {
          throw new SlackUnavailableError(`Slack could not be reached after ${failures} attempts: ${problem}`);
        }
        await sleep(baseDelay * 2 ** (failures - 1));
      }
    }
  }

  return {
    async send(messages, onDelivered) {
      for (const [i, message] of messages.entries()) {
        await post(message);
        await onDelivered?.(i);
      }
    },
  };
}
