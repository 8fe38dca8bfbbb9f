import got, { HTTPError, ParseError, RequestError, type Got } from 'got';
import {
  GcoreRateLimitedError,
  GcoreAuthError,
  GcoreForbiddenError,
  GcoreNotFoundError,
  GcoreRedirectError,
  GcoreResponseError,
  GcoreResponseTooLargeError,
  GcoreUnavailableError,
} from '../core/errors.js';
import { redact } from '../core/redact.js';
import { tokensPath, type ApiVersion, type GcoreApi } from './gcore-api.js';
import { retryAfterMs } from '../core/retry-after.js';
import type { RequestLimiter } from './request-limiter.js';

export interface GcoreApiOptions {
  readonly baseUrl: string;
  readonly apiVersion: ApiVersion;
  readonly timeoutMs: number;
  readonly retries: number;
  readonly limiter: RequestLimiter;
  /** First backoff step; doubles per attempt. Tests shorten it. */
  readonly retryBaseDelayMs?: number;
  /** Longest Retry-After honoured (default 60 s); got gives up at once on a longer one. */
  readonly maxRetryAfterMs?: number;
  /**
   * Retry a 429 of the get-token endpoint here (the one-shot audit). The worker says false: its token queue
   * pauses as a whole for Retry-After instead, so that answer must reach it at once. Listing and
   * /iam/clients/me always retry 429 here, in the audit and the worker alike.
   */
  readonly retryRateLimitedGets?: boolean;
  /** Largest body read, after decompression: a token (get-token, /iam/clients/me) and a list. */
  readonly maxTokenBytes?: number;
  readonly maxListBytes?: number;
  /** Told about every HTTP answer, or 'error' when none came (metrics); never given the key. */
  readonly onResponse?: (status: number | 'error', durationMs: number) => void;
}

const RETRY_STATUS = [408, 429, 500, 502, 503, 504, 521, 522, 524];
export const MAX_TOKEN_BYTES = 1024 * 1024;
export const MAX_LIST_BYTES = 10 * 1024 * 1024;
export const MAX_RETRY_AFTER_MS = 60_000;

function sizeLabel(bytes: number): string {
  return bytes % (1024 * 1024) === 0 ? `${bytes / (1024 * 1024)} MB` : `${bytes} bytes`;
}

/** The host a redirect points at (never its path or query, which could carry anything). */
function locationHost(location: string | undefined, base: string): string {
  if (!location) {
    return 'nowhere (no Location)';
  }
  try {
    return new URL(location, base).host || 'an unknown host';
  } catch {
    return 'an invalid Location';
  }
}

function retryAfterOf(error: HTTPError): number | undefined {
  const header = error.response.headers['retry-after'];
  return header ? retryAfterMs(header, Date.now()) : undefined;
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
  return redact(text.slice(0, 4096), [apiKey]).replace(/\s+/g, ' ').slice(0, 200);
}

export function createGcoreApi(options: GcoreApiOptions): GcoreApi {
  const base = options.retryBaseDelayMs ?? 1000;
  const maxRetryAfter = options.maxRetryAfterMs ?? MAX_RETRY_AFTER_MS;
  const client: Got = got.extend({
    prefixUrl: options.baseUrl,
    responseType: 'json',
    headers: { 'user-agent': 'gcore-token-audit' },
    timeout: { request: options.timeoutMs },
    // got keeps the Authorization header on a redirect: a 3xx is an error, never followed.
    followRedirect: false,
    // Retrying lives here and only here: callers see a request that succeeded or failed for good.
    retry: {
      limit: options.retries,
      methods: ['GET'],
      statusCodes: RETRY_STATUS,
      // got would otherwise cap Retry-After at the request timeout and give up at once on anything longer.
      maxRetryAfter: maxRetryAfter,
      calculateDelay: ({ attemptCount, computedValue, retryAfter }) => {
        if (computedValue === 0) {
          return 0; // got's verdict: not retryable, limit reached, or Retry-After beyond maxRetryAfter
        }
        if (retryAfter !== undefined) {
          return Math.max(retryAfter, 1); // 0 would tell got not to retry at all ("Retry-After: 0")
        }
        const backoff = Math.min(base * 2 ** (attemptCount - 1), 30_000);
        return backoff + Math.random() * base * 0.1;
      },
    },
    hooks: {
      beforeRequest: [() => options.limiter.pace()],
    },
  });

  const isRedirect = (status: number) => status >= 300 && status < 400;
  function redirectError(label: string, response: { statusCode: number; headers: { location?: string } }, apiKey: string) {
    const host = redact(locationHost(response.headers.location, options.baseUrl), [apiKey]);
    return new GcoreRedirectError(
      `${label}: Gcore answered HTTP ${response.statusCode}, a redirect to ${host}: refused (redirects are never followed)`,
    );
  }

  interface CallContext {
    readonly clientId?: number;
    readonly maxBytes: number;
    readonly retryRateLimited: boolean;
  }

  async function call(path: string, apiKey: string, context: CallContext): Promise<unknown> {
    const label = `GET /${path}`;
    return options.limiter.run(async () => {
      const started = Date.now();
      let tooLarge = false;
      try {
        const request = client.get(path, {
          headers: { authorization: `APIKey ${apiKey}` },
          ...(context.retryRateLimited ? {} : { retry: { statusCodes: RETRY_STATUS.filter((s) => s !== 429) } }),
        });
        // got counts the bytes it reads after decompression: stop reading, and inflating, once past the bound.
        void request.on('downloadProgress', ({ transferred, total }) => {
          if (!tooLarge && (transferred > context.maxBytes || (total ?? 0) > context.maxBytes)) {
            tooLarge = true;
            request.cancel();
          }
        });
        const response = await request;
        options.onResponse?.(response.statusCode, Date.now() - started);
        if (isRedirect(response.statusCode)) {
          throw redirectError(label, response, apiKey);
        }
        return response.body;
      } catch (error) {
        if (tooLarge) {
          throw new GcoreResponseTooLargeError(
            `${label}: the response is larger than ${sizeLabel(context.maxBytes)} (decompressed): refused`,
            { cause: error },
          );
        }
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
        const wait = status === 429 ? retryAfterOf(error) : undefined;
        const message =
          wait !== undefined && wait > maxRetryAfter
            ? `${label}: HTTP 429, Gcore asked to wait ${Math.round(wait / 1000)} s, longer than we wait (${Math.round(maxRetryAfter / 1000)} s)`
            : `${label} failed after ${tries + 1} attempt(s): HTTP ${status}${suffix}`;
        return status === 429
          ? new GcoreRateLimitedError(message, wait, { cause: error })
          : new GcoreUnavailableError(message, undefined, { cause: error });
      }
      return new GcoreResponseError(`${label}: unexpected HTTP ${status}${suffix}`, { cause: error });
    }
    if (error instanceof ParseError) {
      if (isRedirect(error.response.statusCode)) {
        options.onResponse?.(error.response.statusCode, Date.now() - started);
        return redirectError(label, error.response, apiKey);
      }
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

  const tokenBytes = options.maxTokenBytes ?? MAX_TOKEN_BYTES;
  const listBytes = options.maxListBytes ?? MAX_LIST_BYTES;
  return {
    async getAccountId(apiKey) {
      const body = await call('iam/clients/me', apiKey, { maxBytes: tokenBytes, retryRateLimited: true });
      const id = (body as { id?: unknown } | null)?.id;
      if (typeof id !== 'number' || !Number.isSafeInteger(id) || id <= 0) {
        throw new GcoreResponseError('GET /iam/clients/me: the response has no valid "id"');
      }
      return id;
    },
    listTokens: (clientId, apiKey) =>
      call(tokensPath(options.apiVersion, clientId), apiKey, { clientId, maxBytes: listBytes, retryRateLimited: true }),
    getToken: (clientId, tokenId, apiKey) =>
      call(tokensPath(options.apiVersion, clientId, tokenId), apiKey, {
        clientId,
        maxBytes: tokenBytes,
        retryRateLimited: options.retryRateLimitedGets !== false,
      }),
    // The people calls are run-level reads, like the listing: same client, limiter and retries, 429 retried here.
    getAccountDetails: (apiKey) => call('iam/clients/me', apiKey, { maxBytes: listBytes, retryRateLimited: true }),
    listUsers: (limit, offset, apiKey) =>
      call(`iam/users?limit=${limit}&offset=${offset}`, apiKey, { maxBytes: listBytes, retryRateLimited: true }),
    getUser: (userId, apiKey) => call(`iam/users/${userId}`, apiKey, { maxBytes: tokenBytes, retryRateLimited: true }),
    getClientUser: (clientId, userId, apiKey) =>
      call(`iam/clients/${clientId}/client-users/${userId}`, apiKey, { clientId, maxBytes: tokenBytes, retryRateLimited: true }),
  };
}
