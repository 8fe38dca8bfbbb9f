import got, { HTTPError, ParseError, RequestError, type Got } from 'got';
import {
  GcoreRateLimitedError,
  GcoreAuthError,
  GcoreForbiddenError,
  GcoreNotFoundError,
  GcoreResponseError,
  GcoreUnavailableError,
} from '../core/errors.js';
import { tokensPath, type ApiVersion, type GcoreApi } from './gcore-api.js';
import type { RequestLimiter } from './request-limiter.js';

export interface GcoreApiOptions {
  readonly baseUrl: string;
  readonly apiVersion: ApiVersion;
  readonly timeoutMs: number;
  readonly retries: number;
  readonly limiter: RequestLimiter;
  /** First backoff step; doubles per attempt. Tests shorten it. */
  readonly retryBaseDelayMs?: number;
  /** Longest Retry-After honoured; got gives up at once on a longer one. */
  readonly maxRetryAfterMs?: number;
  /**
   * Retry 429 here (the one-shot audit). The worker says false: it pauses the whole queue for Retry-After
   * instead, so the answer must reach it at once.
   */
  readonly retryRateLimited?: boolean;
  /** Told about every HTTP answer, or 'error' when none came (metrics); never given the key. */
  readonly onResponse?: (status: number | 'error', durationMs: number) => void;
}

const RETRY_STATUS = [408, 429, 500, 502, 503, 504, 521, 522, 524];

function retryAfterMs(error: HTTPError): number | undefined {
  const header = error.response.headers['retry-after'];
  if (!header) {
    return undefined;
  }
  const seconds = Number(header);
  if (Number.isFinite(seconds)) {
    return Math.max(0, seconds * 1000);
  }
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

/** The `detail`/`message` Gcore puts in an error body, bounded, with the key scrubbed in case it is echoed. */
function detailOf(body: unknown, apiKey: string): string | undefined {
  let value: unknown = body;
  if (typeof body === 'string') {
    try {
      value = JSON.parse(body) as unknown;
    } catch {
      value = body;
    }
  }
  const obj = value !== null && typeof value === 'object' ? (value as Record<string, unknown>) : {};
  const text =
    typeof obj.detail === 'string' ? obj.detail : typeof obj.message === 'string' ? obj.message : undefined;
  if (text === undefined) {
    return undefined;
  }
  return text.split(apiKey).join('[REDACTED]').replace(/\s+/g, ' ').slice(0, 200);
}

export function createGcoreApi(options: GcoreApiOptions): GcoreApi {
  const base = options.retryBaseDelayMs ?? 1000;
  const client: Got = got.extend({
    prefixUrl: options.baseUrl,
    responseType: 'json',
    headers: { 'user-agent': 'gcore-token-audit' },
    timeout: { request: options.timeoutMs },
    // Retrying lives here and only here: callers see a request that succeeded or failed for good.
    retry: {
      limit: options.retries,
      methods: ['GET'],
      statusCodes: options.retryRateLimited === false ? RETRY_STATUS.filter((s) => s !== 429) : RETRY_STATUS,
      // got would otherwise cap Retry-After at the request timeout and give up at once on anything longer.
      maxRetryAfter: options.maxRetryAfterMs ?? 60_000,
      calculateDelay: ({ attemptCount, computedValue, retryAfter }) => {
        if (computedValue === 0) {
          return 0; // got's verdict: not retryable, limit reached, or Retry-After beyond maxRetryAfter
        }
        if (retryAfter !== undefined) {
          return retryAfter;
        }
        const backoff = Math.min(base * 2 ** (attemptCount - 1), 30_000);
        return backoff + Math.random() * base * 0.1;
      },
    },
    hooks: {
      beforeRequest: [() => options.limiter.pace()],
    },
  });

  async function call(path: string, apiKey: string, context: { clientId?: number }): Promise<unknown> {
    const label = `GET /${path}`;
    return options.limiter.run(async () => {
      const started = Date.now();
      try {
        const response = await client.get(path, { headers: { authorization: `APIKey ${apiKey}` } });
        options.onResponse?.(response.statusCode, Date.now() - started);
        return response.body;
      } catch (error) {
        throw translate(error, label, apiKey, context.clientId, started);
      }
    });
  }

  // got's errors carry the request options, Authorization header included: they are kept only as `cause`
  // (never serialised by our logger) and our own message names method, path and status.
  function translate(error: unknown, label: string, apiKey: string, clientId: number | undefined, started: number) {
    const account = clientId === undefined ? 'the account' : `account ${clientId}`;
    if (error instanceof HTTPError) {
      const status = error.response.statusCode;
      options.onResponse?.(status, Date.now() - started);
      const detail = detailOf(error.response.body, apiKey);
      const suffix = detail ? `: ${detail}` : '';
      if (status === 401) {
        return new GcoreAuthError(
          `the API key for ${account} was rejected${suffix || ': Token is invalid or expired'}`,
          { cause: error },
        );
      }
      if (status === 403) {
        return new GcoreForbiddenError(
          `the API key for ${account} may not read this (HTTP 403${suffix}); reading every token of an account needs a key with the Administrators role`,
          { cause: error },
        );
      }
      if (status === 404) {
        return new GcoreNotFoundError(`${label}: not found (HTTP 404)`, { cause: error });
      }
      if (RETRY_STATUS.includes(status)) {
        const tries = error.request?.retryCount ?? 0;
        const message = `${label} failed after ${tries + 1} attempt(s): HTTP ${status}${suffix}`;
        return status === 429
          ? new GcoreRateLimitedError(message, retryAfterMs(error), { cause: error })
          : new GcoreUnavailableError(message, undefined, { cause: error });
      }
      return new GcoreResponseError(`${label}: unexpected HTTP ${status}${suffix}`, { cause: error });
    }
    if (error instanceof ParseError) {
      return new GcoreResponseError(`${label}: the response is not valid JSON`, { cause: error });
    }
    if (error instanceof RequestError) {
      options.onResponse?.('error', Date.now() - started);
      const tries = error.request?.retryCount ?? 0;
      return new GcoreUnavailableError(`${label} failed after ${tries + 1} attempt(s): ${error.code}`, undefined, {
        cause: error,
      });
    }
    return error;
  }

  return {
    async getAccountId(apiKey) {
      const body = await call('iam/clients/me', apiKey, {});
      const id = (body as { id?: unknown } | null)?.id;
      if (typeof id !== 'number' || !Number.isSafeInteger(id) || id <= 0) {
        throw new GcoreResponseError('GET /iam/clients/me: the response has no valid "id"');
      }
      return id;
    },
    listTokens: (clientId, apiKey) => call(tokensPath(options.apiVersion, clientId), apiKey, { clientId }),
    getToken: (clientId, tokenId, apiKey) =>
      call(tokensPath(options.apiVersion, clientId, tokenId), apiKey, { clientId }),
  };
}
