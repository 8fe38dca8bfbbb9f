import { setTimeout as sleep } from 'node:timers/promises';
import { IncomingWebhook, IncomingWebhookHTTPError, IncomingWebhookRequestError } from '@slack/webhook';
import { DeliveryAbortedError, SlackDeferredError, SlackUnavailableError } from '../../core/errors.js';
import { redact } from '../../core/redact.js';
import { retryAfterMs } from '../../core/retry-after.js';
import { slackRefusal } from './slack-refusal.js';
import type { SlackMessage } from './slack-message.js';

export interface SlackNotifier {
  /**
   * Posts the messages in order, spaced to Slack's one message per second. `onDelivered(i)` is called once
   * Slack accepted message i, so a caller can persist progress. Throws SlackMessageRejectedError (this message
   * refused for good) or SlackWebhookRejectedError (the webhook refused: every message would be), neither
   * retried, or SlackUnavailableError (transient failures outlasted every attempt).
   */
  send(messages: readonly SlackMessage[], onDelivered?: (index: number) => Promise<void> | void, control?: SendControl): Promise<void>;
}

export interface SendControl {
  /** Called before every post; throwing stops the delivery (an outbox claim that is no longer ours). */
  readonly beforePost?: () => Promise<void>;
  /** Aborts waits between attempts (the worker stopping): send() then throws DeliveryAbortedError. */
  readonly signal?: AbortSignal;
}

/** The longest Retry-After we wait out; a longer one leaves the digest queued for the next run. */
export const MAX_RETRY_AFTER_MS = 60_000;

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
  const sleepFor = options.sleep ?? sleep;
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
    lastRetryAfterMs = header === null ? undefined : retryAfterMs(header, now());
    return response;
  };
  // Retries live in this module only: the library's own retry is off.
  const webhook = new IncomingWebhook(options.webhookUrl, {
    fetch,
    timeout: options.timeoutMs ?? 10_000,
    retryConfig: { retries: 0 },
  });
  let lastSentAt = Number.NEGATIVE_INFINITY;

  // Slack's and proxies' error bodies may echo the request line, webhook path included.
  const clean = (body: string) => redact(body, [options.webhookUrl]).slice(0, 100);
  const pause = async (ms: number, signal: AbortSignal | undefined) => {
    if (signal?.aborted) {
      throw new DeliveryAbortedError('delivery stopped: the worker is shutting down');
    }
    if (!signal) {
      await sleepFor(ms);
      return;
    }
    let onAbort = () => undefined as void;
    const aborted = new Promise<never>((_, reject) => {
      onAbort = () => reject(new DeliveryAbortedError('delivery stopped: the worker is shutting down'));
      signal.addEventListener('abort', onAbort, { once: true });
    });
    try {
      await Promise.race([sleepFor(ms), aborted]);
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  };

  async function post(message: SlackMessage, control: SendControl): Promise<void> {
    let failures = 0;
    let rateLimited = 0;
    for (;;) {
      const wait = lastSentAt + minInterval - now();
      if (wait > 0) {
        await pause(wait, control.signal);
      }
      await control.beforePost?.();
      if (control.signal?.aborted) {
        throw new DeliveryAbortedError('delivery stopped: the worker is shutting down');
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
          const retryAfter = lastRetryAfterMs ?? 0;
          if (retryAfter > MAX_RETRY_AFTER_MS) {
            throw new SlackDeferredError(
              `Slack asks to wait ${Math.round(retryAfter / 1000)} s, longer than ${MAX_RETRY_AFTER_MS / 1000} s: the digest stays queued for the next run`,
            );
          }
          await pause(Math.max(retryAfter, 1000), control.signal);
          continue;
        }
        if (error instanceof IncomingWebhookHTTPError && error.statusCode < 500) {
          options.onAttempt?.('rejected');
          throw slackRefusal(error.statusCode, clean(error.body) || clean(error.statusMessage));
        }
        options.onAttempt?.('error');
        failures += 1;
        const problem =
          error instanceof IncomingWebhookHTTPError
            ? `HTTP ${error.statusCode} ${clean(error.body)}`
            : error instanceof IncomingWebhookRequestError
              ? `${error.original.name === 'TimeoutError' ? 'timeout' : 'network error'}`
              : 'unexpected error';
        if (failures >= attempts) {
          throw new SlackUnavailableError(`Slack could not be reached after ${failures} attempts: ${problem}`);
        }
        await pause(baseDelay * 2 ** (failures - 1), control.signal);
      }
    }
  }

  return {
    async send(messages, onDelivered, control = {}) {
      for (const [i, message] of messages.entries()) {
        await post(message, control);
        await onDelivered?.(i);
      }
    },
  };
}
