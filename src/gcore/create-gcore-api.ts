import { setTimeout as sleep } from 'node:timers/promises';
import type { IncomingHttpHeaders } from 'node:http';
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
import { createHttpGet, type GetAttempt } from './http-get.js';
import { getRetryDelay, RETRY_STATUS } from './get-retry-delay.js';

export interface GcoreApiOptions {
  readonly baseUrl: string;
  readonly apiVersion: ApiVersion;
  readonly timeoutMs: number;
  readonly retries: number;
  readonly limiter: RequestLimiter;
  /** First backoff step; doubles per attempt. Tests shorten it. */
  readonly retryBaseDelayMs?: number;
  /** Longest Retry-After honoured (default 60 s); a longer one is given up on at once. */
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

/** The `detail`/`message` Gcore puts in an error body, bounded, with the key scrubbed in case it is echoed. */
function detailOf(body: string, apiKey: string): string | undefined {
  let value: unknown;
  try {
    value = JSON.parse(body) as unknown;
  } catch {
    // Not JSON: no detail (value stays undefined).
  }
  // Any JSON value will do: null and undefined have no fields, a string, number or array neither of these.
  const obj = (value ?? {}) as Record<string, unknown>;
  const text =
    typeof obj.detail === 'string' ? obj.detail : typeof obj.message === 'string' ? obj.message : undefined;
  if (text === undefined) {
    return undefined;
  }
  return redact(text.slice(0, 4096), [apiKey]).replace(/\s+/g, ' ').slice(0, 200);
}

export function createGcoreApi(options: GcoreApiOptions): GcoreApi {
  const maxRetryAfter = options.maxRetryAfterMs ?? MAX_RETRY_AFTER_MS;
  const policy = { retries: options.retries, baseDelayMs: options.retryBaseDelayMs ?? 1000, maxRetryAfterMs: maxRetryAfter };
  // Redirects are never followed (the Authorization header would go along): a 3xx is an error.
  const get = createHttpGet({ baseUrl: options.baseUrl, timeoutMs: options.timeoutMs });

  function redirectError(label: string, headers: IncomingHttpHeaders, status: number, apiKey: string) {
    const host = redact(locationHost(headers.location, options.baseUrl), [apiKey]);
    return new GcoreRedirectError(
      `${label}: Gcore answered HTTP ${status}, a redirect to ${host}: refused (redirects are never followed)`,
    );
  }

  interface CallContext {
    readonly clientId?: number;
    readonly maxBytes: number;
    readonly retryRateLimited: boolean;
  }

  // Retrying lives here and only here: callers see a request that succeeded or failed for good. Each
  // attempt waits for the limiter's rate first.
  async function call(path: string, apiKey: string, context: CallContext): Promise<unknown> {
    const label = `GET /${path}`;
    return options.limiter.run(async () => {
      const started = Date.now();
      for (let tries = 0; ; tries += 1) {
        await options.limiter.pace();
        const attempt = await get(path, apiKey, context.maxBytes);
        if (attempt.kind === 'too-large') {
          throw new GcoreResponseTooLargeError(
            `${label}: the response is larger than ${sizeLabel(context.maxBytes)} (decompressed): refused`,
          );
        }
        const end = attempt.kind === 'answer' ? { statusCode: attempt.statusCode, retryAfter: attempt.headers['retry-after'] } : { code: attempt.code };
        const delay = getRetryDelay(end, tries, { ...policy, retryRateLimited: context.retryRateLimited }, Date.now(), Math.random());
        if (delay !== undefined) {
          await sleep(delay);
          continue;
        }
        return settle(attempt, { label, apiKey, clientId: context.clientId, started, tries });
      }
    });
  }

  interface Outcome {
    readonly label: string;
    readonly apiKey: string;
    readonly clientId: number | undefined;
    readonly started: number;
    readonly tries: number;
  }

  // Our messages name method, path and status, never the key; a body Gcore sends is scrubbed of it.
  function settle(attempt: Exclude<GetAttempt, { kind: 'too-large' }>, o: Outcome): unknown {
    const { label, apiKey } = o;
    if (attempt.kind === 'failed') {
      options.onResponse?.('error', Date.now() - o.started);
      throw new GcoreUnavailableError(`${label} failed after ${o.tries + 1} attempt(s): ${attempt.code}`, undefined, {
        cause: attempt.error,
      });
    }
    const status = attempt.statusCode;
    const text = attempt.body.toString('utf8');
    if (status >= 200 && status < 300) {
      let body: unknown = '';
      if (text.length > 0) {
        try {
          body = JSON.parse(text) as unknown;
        } catch (error) {
          throw new GcoreResponseError(`${label}: the response is not valid JSON`, { cause: error });
        }
      }
      options.onResponse?.(status, Date.now() - o.started);
      return body;
    }
    options.onResponse?.(status, Date.now() - o.started);
    if (status >= 300 && status < 400) {
      throw redirectError(label, attempt.headers, status, apiKey); // its body, JSON or not, is not read
    }
    throw statusError(status, attempt.headers, text, o);
  }

  function statusError(status: number, headers: IncomingHttpHeaders, text: string, o: Outcome) {
    const { label, apiKey } = o;
    const account = o.clientId === undefined ? 'the account' : `account ${o.clientId}`;
    const detail = detailOf(text, apiKey);
    const suffix = detail ? `: ${detail}` : '';
    if (status === 401) {
      return new GcoreAuthError(`the API key for ${account} was rejected${suffix || ': Token is invalid or expired'}`);
    }
    if (status === 403) {
      return new GcoreForbiddenError(
        `the API key for ${account} may not read this (HTTP 403${suffix}); reading every token of an account needs a key with the Administrators role`,
      );
    }
    if (status === 404) {
      return new GcoreNotFoundError(`${label}: not found (HTTP 404)`);
    }
    if (RETRY_STATUS.includes(status)) {
      const header = headers['retry-after'];
      const wait = status === 429 && header ? retryAfterMs(header, Date.now()) : undefined;
      const message =
        wait !== undefined && wait > maxRetryAfter
          ? `${label}: HTTP 429, Gcore asked to wait ${Math.round(wait / 1000)} s, longer than we wait (${Math.round(maxRetryAfter / 1000)} s)`
          : `${label} failed after ${o.tries + 1} attempt(s): HTTP ${status}${suffix}`;
      return status === 429 ? new GcoreRateLimitedError(message, wait) : new GcoreUnavailableError(message, undefined);
    }
    return new GcoreResponseError(`${label}: unexpected HTTP ${status}${suffix}`);
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
