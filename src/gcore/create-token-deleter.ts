import { setTimeout as sleep } from 'node:timers/promises';
import got, { RequestError, type Got } from 'got';
import {
  GcoreAuthError,
  GcoreForbiddenError,
  GcoreNotFoundError,
  GcoreOutcomeUnknownError,
  GcoreRateLimitedError,
  GcoreRedirectError,
  GcoreResponseError,
  GcoreUnavailableError,
} from '../core/errors.js';
import { retryAfterMs } from '../core/retry-after.js';
import { tokensPath, type ApiVersion, type GcoreApi } from './gcore-api.js';
import { MAX_RETRY_AFTER_MS } from './create-gcore-api.js';
import { backoffMs } from './get-retry-delay.js';
import type { RequestLimiter } from './request-limiter.js';

/** How a DELETE ended: Gcore deleted it now, or it was gone already (404, or learnt after an unclear answer). */
export type DeleteOutcome = 'deleted' | 'already-gone';

export interface TokenDeleter {
  /**
   * `DELETE /iam/v2/clients/{clientId}/tokens/{tokenId}`: irreversible. Sent again only when an answer
   * proves the last one did nothing; after an unclear one (timeout, 5xx, reset) the token is read first.
   */
  deleteToken(clientId: number, tokenId: number, apiKey: string): Promise<DeleteOutcome>;
}

export interface TokenDeleterOptions {
  readonly baseUrl: string;
  readonly apiVersion: ApiVersion;
  readonly timeoutMs: number;
  /** DELETEs sent at most after the first. */
  readonly retries: number;
  readonly limiter: RequestLimiter;
  /** The get-token endpoint of the one client: how an unclear answer is settled. */
  readonly getToken: GcoreApi['getToken'];
  readonly retryBaseDelayMs?: number;
  readonly maxRetryAfterMs?: number;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly onResponse?: (status: number | 'error', durationMs: number) => void;
}

/** Network errors that prove the request never reached Gcore: nothing can have been deleted. */
const NOT_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN']);

/**
 * The one place a token is deleted. Built only when `remediation.enabled` (src/run/revoke-token.ts):
 * with remediation off, no code path holds a function that can send a DELETE.
 */
export function createTokenDeleter(options: TokenDeleterOptions): TokenDeleter {
  const base = options.retryBaseDelayMs ?? 1000;
  const maxRetryAfter = options.maxRetryAfterMs ?? MAX_RETRY_AFTER_MS;
  const pause = options.sleep ?? sleep;
  // No retry inside got: each DELETE is decided here, one by one.
  const client: Got = got.extend({
    prefixUrl: options.baseUrl,
    headers: { 'user-agent': 'gcore-token-audit' },
    timeout: { request: options.timeoutMs },
    followRedirect: false,
    throwHttpErrors: false,
    retry: { limit: 0 },
  });

  type Answer = { status: number; retryAfter: string | undefined } | { error: string };
  async function send(path: string, apiKey: string): Promise<Answer> {
    return options.limiter.run(async () => {
      await options.limiter.pace();
      const started = Date.now();
      try {
        const response = await client.delete(path, { headers: { authorization: `APIKey ${apiKey}` } });
        options.onResponse?.(response.statusCode, Date.now() - started);
        const header = response.headers['retry-after'];
        return { status: response.statusCode, retryAfter: typeof header === 'string' ? header : undefined };
      } catch (error) {
        options.onResponse?.('error', Date.now() - started);
        // got's error carries the request options, Authorization included: only its code leaves here.
        return { error: error instanceof RequestError ? (error.code ?? 'ERROR') : 'ERROR' };
      }
    });
  }

  return {
    async deleteToken(clientId, tokenId, apiKey) {
      const path = tokensPath(options.apiVersion, clientId, tokenId);
      const label = `DELETE /${path}`;
      for (let attempt = 0; ; attempt += 1) {
        const answer = await send(path, apiKey);
        const last = attempt >= options.retries;
        const backoff = backoffMs(base, attempt);
        if ('error' in answer) {
          if (NOT_SENT.has(answer.error)) {
            if (last) {
              throw new GcoreUnavailableError(`${label}: ${answer.error} after ${attempt + 1} attempt(s); nothing was deleted`, undefined);
            }
            await pause(backoff);
            continue;
          }
        } else {
          const { status } = answer;
          if (status === 204 || status === 200) {
            return 'deleted';
          }
          if (status === 404) {
            return 'already-gone';
          }
          if (status === 401) {
            throw new GcoreAuthError(`${label}: the deleting key for account ${clientId} was rejected (HTTP 401)`);
          }
          if (status === 403) {
            throw new GcoreForbiddenError(`${label}: the deleting key for account ${clientId} may not delete this token (HTTP 403)`);
          }
          if (status >= 300 && status < 400) {
            throw new GcoreRedirectError(`${label}: Gcore answered HTTP ${status}, a redirect: refused (redirects are never followed)`);
          }
          if (status === 429) {
            // A 429 proves the DELETE was not carried out; without Retry-After we do not guess how long to wait.
            const wait = answer.retryAfter === undefined ? undefined : retryAfterMs(answer.retryAfter, Date.now());
            if (wait === undefined || wait > maxRetryAfter || last) {
              throw new GcoreRateLimitedError(`${label}: HTTP 429 after ${attempt + 1} attempt(s); nothing was deleted`, wait);
            }
            await pause(Math.max(wait, 1));
            continue;
          }
          if (status < 500) {
            throw new GcoreResponseError(`${label}: unexpected HTTP ${status}`);
          }
        }
        // A timeout, a reset or a 5xx says nothing of whether Gcore deleted it: read the token before anything.
        const why = 'error' in answer ? answer.error : `HTTP ${answer.status}`;
        try {
          await options.getToken(clientId, tokenId, apiKey);
        } catch (error) {
          if (error instanceof GcoreNotFoundError) {
            return 'deleted';
          }
          throw new GcoreOutcomeUnknownError(`${label}: ${why}, and the token could not be read to learn whether it was deleted`, undefined, { cause: error });
        }
        if (last) {
          throw new GcoreUnavailableError(`${label}: ${why} after ${attempt + 1} attempt(s); the token is still there`, undefined);
        }
        await pause(backoff);
      }
    },
  };
}
