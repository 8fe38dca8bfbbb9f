import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import {
  GcoreAuthError,
  GcoreForbiddenError,
  GcoreNotFoundError,
  GcoreOutcomeUnknownError,
  GcoreRateLimitedError,
  GcoreRedirectError,
  GcoreResponseError,
  GcoreUnavailableError,
} from '../../src/core/errors.js';
import { createTokenDeleter, type TokenDeleterOptions } from '../../src/gcore/create-token-deleter.js';
import { createRequestLimiter } from '../../src/gcore/request-limiter.js';
import { failure } from '../support/failure.js';
import { gcoreToken, startGcoreStandIn, type GcoreStandIn } from '../support/gcore-stand-in.js';

// The one place a token is deleted, against the Gcore stand-in (no Redis): which answers end it, which are
// sent again, and which are settled by reading the token first. Sleeps are recorded, never waited.
const KEY = '42_s3cr3t-delete-key-value';
const PATH = '/iam/v2/clients/456/tokens/101';
let gcore: GcoreStandIn;
let sleeps: number[];
let reads: number;

beforeEach(async () => {
  gcore = await startGcoreStandIn();
  gcore.keys.set(KEY, 456);
  gcore.accounts.set(456, new Map([[101, gcoreToken(101)]]));
  sleeps = [];
  reads = 0;
});
afterEach(() => gcore.close());

/** The token as the get-token endpoint would answer: there (resolves), gone (GcoreNotFoundError). */
function readFromStandIn(clientId: number, tokenId: number): Promise<unknown> {
  reads += 1;
  const token = gcore.accounts.get(clientId)?.get(tokenId);
  return token === undefined ? Promise.reject(new GcoreNotFoundError('gone')) : Promise.resolve(token);
}

function deleter(overrides: Partial<TokenDeleterOptions> = {}) {
  return createTokenDeleter({
    baseUrl: gcore.url,
    apiVersion: 'v2',
    timeoutMs: 300,
    retries: 2,
    limiter: createRequestLimiter({ concurrency: 2 }),
    getToken: readFromStandIn,
    retryBaseDelayMs: 1000,
    sleep: (ms) => {
      sleeps.push(ms);
      return Promise.resolve();
    },
    ...overrides,
  });
}

/** Scripts the DELETE answers in order (1-based); later DELETEs and every read fall through to the stand-in. */
function deleteAnswers(...answers: { status?: number; headers?: Record<string, string>; hang?: boolean; body?: string }[]) {
  gcore.scripts.set(PATH, (req, count) => (req.method === 'DELETE' ? answers[count - 1] : undefined));
}

describe('token deleter: answers that end it', () => {
  it('deletes on the v2 path with the APIKey header and our user agent, once', async () => {
    const seen: (number | 'error')[] = [];
    const durations: number[] = [];
    const agents: (string | undefined)[] = [];
    gcore.scripts.set(PATH, (req) => {
      agents.push(req.headers['user-agent']);
      return undefined;
    });
    const onResponse = (status: number | 'error', durationMs: number) => {
      seen.push(status);
      durations.push(durationMs);
    };
    expect(await deleter({ onResponse }).deleteToken(456, 101, KEY)).toBe('deleted');
    expect(gcore.requests).toEqual([`DELETE ${PATH}`]);
    expect(gcore.accounts.get(456)?.has(101)).toBe(false);
    expect(seen).toEqual([204]);
    expect(agents).toEqual(['gcore-token-audit']);
    // a duration, not a point in time
    expect(durations.every((ms) => ms >= 0 && ms < 60_000)).toBe(true);
    expect(reads).toBe(0);
  });

  it('uses the v1 path when asked', async () => {
    expect(await deleter({ apiVersion: 'v1' }).deleteToken(456, 101, KEY)).toBe('deleted');
    expect(gcore.requests).toEqual(['DELETE /iam/clients/456/tokens/101']);
  });

  it('takes a 200 as deleted and a 404 as already gone, without reading', async () => {
    deleteAnswers({ status: 200, body: '{}' });
    expect(await deleter().deleteToken(456, 101, KEY)).toBe('deleted');
    gcore.scripts.clear();
    gcore.accounts.get(456)?.delete(101);
    expect(await deleter().deleteToken(456, 101, KEY)).toBe('already-gone');
    expect(reads).toBe(0);
    expect(gcore.deletes).toBe(2);
  });

  it.each([
    [401, GcoreAuthError, 'DELETE /iam/v2/clients/456/tokens/101: the deleting key for account 456 was rejected (HTTP 401)'],
    [403, GcoreForbiddenError, 'DELETE /iam/v2/clients/456/tokens/101: the deleting key for account 456 may not delete this token (HTTP 403)'],
    [202, GcoreResponseError, 'DELETE /iam/v2/clients/456/tokens/101: unexpected HTTP 202'],
    [300, GcoreRedirectError, 'DELETE /iam/v2/clients/456/tokens/101: Gcore answered HTTP 300, a redirect: refused (redirects are never followed)'],
    [301, GcoreRedirectError, 'DELETE /iam/v2/clients/456/tokens/101: Gcore answered HTTP 301, a redirect: refused (redirects are never followed)'],
    [399, GcoreRedirectError, 'DELETE /iam/v2/clients/456/tokens/101: Gcore answered HTTP 399, a redirect: refused (redirects are never followed)'],
    [400, GcoreResponseError, 'DELETE /iam/v2/clients/456/tokens/101: unexpected HTTP 400'],
    [499, GcoreResponseError, 'DELETE /iam/v2/clients/456/tokens/101: unexpected HTTP 499'],
  ])('refuses HTTP %i at once (not a success, not a case of doubt), with no second DELETE and no read', async (status, errorClass, message) => {
    deleteAnswers({ status, headers: { location: `${gcore.url}/elsewhere` } });
    const error = await failure(deleter().deleteToken(456, 101, KEY));
    expect(error).toBeInstanceOf(errorClass);
    expect(error.message).toBe(message);
    expect(gcore.deletes).toBe(1);
    expect(gcore.requests).toEqual([`DELETE ${PATH}`]);
    expect(reads).toBe(0);
    expect(sleeps).toEqual([]);
  });
});

describe('token deleter: a 429 proves nothing was done', () => {
  it('waits the Retry-After and sends the DELETE again', async () => {
    deleteAnswers({ status: 429, headers: { 'retry-after': '7' } });
    expect(await deleter().deleteToken(456, 101, KEY)).toBe('deleted');
    expect(sleeps).toEqual([7000]);
    expect(gcore.deletes).toBe(2);
    expect(reads).toBe(0);
  });

  it('waits at least a millisecond on "Retry-After: 0"', async () => {
    deleteAnswers({ status: 429, headers: { 'retry-after': '0' } });
    expect(await deleter().deleteToken(456, 101, KEY)).toBe('deleted');
    expect(sleeps).toEqual([1]);
  });

  it('does not guess a wait without Retry-After: refused, nothing deleted', async () => {
    deleteAnswers({ status: 429 });
    const error = await failure(deleter().deleteToken(456, 101, KEY));
    expect(error).toBeInstanceOf(GcoreRateLimitedError);
    expect(error.message).toBe(`DELETE ${PATH}: HTTP 429 after 1 attempt(s); nothing was deleted`);
    expect((error as GcoreRateLimitedError).retryAfterMs).toBeUndefined();
    expect(gcore.deletes).toBe(1);
  });

  it('does not wait out a Retry-After longer than the limit, and says how long was asked', async () => {
    deleteAnswers({ status: 429, headers: { 'retry-after': '61' } });
    const error = await failure(deleter().deleteToken(456, 101, KEY));
    expect(error).toBeInstanceOf(GcoreRateLimitedError);
    expect((error as GcoreRateLimitedError).retryAfterMs).toBe(61_000);
    expect(sleeps).toEqual([]);
  });

  it('waits a Retry-After of exactly the limit', async () => {
    deleteAnswers({ status: 429, headers: { 'retry-after': '5' } });
    expect(await deleter({ maxRetryAfterMs: 5000 }).deleteToken(456, 101, KEY)).toBe('deleted');
    expect(sleeps).toEqual([5000]);
  });

  it('gives up after the last attempt, counting the attempts', async () => {
    deleteAnswers(...Array.from({ length: 3 }, () => ({ status: 429, headers: { 'retry-after': '1' } })));
    const error = await failure(deleter().deleteToken(456, 101, KEY));
    expect(error).toBeInstanceOf(GcoreRateLimitedError);
    expect(error.message).toBe(`DELETE ${PATH}: HTTP 429 after 3 attempt(s); nothing was deleted`);
    expect(gcore.deletes).toBe(3);
    expect(sleeps).toEqual([1000, 1000]);
  });
});

describe('token deleter: an unclear answer is settled by reading the token', () => {
  it('a 500 after the DELETE took effect: the read says gone, so deleted, with no second DELETE', async () => {
    gcore.scripts.set(PATH, (req) => {
      if (req.method !== 'DELETE') {
        return undefined;
      }
      gcore.accounts.get(456)?.delete(101);
      return { status: 500, body: '{"detail":"oops"}' };
    });
    expect(await deleter().deleteToken(456, 101, KEY)).toBe('deleted');
    expect(gcore.deletes).toBe(1);
    expect(reads).toBe(1);
    expect(sleeps).toEqual([]);
  });

  it('a 5xx with the token still there: backs off (doubling), sends again', async () => {
    deleteAnswers({ status: 503 }, { status: 502 });
    expect(await deleter().deleteToken(456, 101, KEY)).toBe('deleted');
    expect(gcore.deletes).toBe(3);
    expect(reads).toBe(2);
    expect(sleeps).toEqual([1000, 2000]);
  });

  it('caps the backoff at 30 s', async () => {
    deleteAnswers({ status: 500 }, { status: 500 });
    expect(await deleter({ retryBaseDelayMs: 20_000 }).deleteToken(456, 101, KEY)).toBe('deleted');
    expect(sleeps).toEqual([20_000, 30_000]);
  });

  it('a token still there after the last attempt: unavailable, saying so', async () => {
    deleteAnswers({ status: 500 }, { status: 500 }, { status: 504 });
    const error = await failure(deleter().deleteToken(456, 101, KEY));
    expect(error).toBeInstanceOf(GcoreUnavailableError);
    expect(error).not.toBeInstanceOf(GcoreOutcomeUnknownError);
    expect(error.message).toBe(`DELETE ${PATH}: HTTP 504 after 3 attempt(s); the token is still there`);
    expect(gcore.deletes).toBe(3);
    expect(reads).toBe(3);
  });

  it('a read that fails leaves the outcome unknown, with the read\'s error as cause, and sends nothing more', async () => {
    deleteAnswers({ status: 500 });
    const readError = new GcoreAuthError('read refused');
    const error = await failure(deleter({ getToken: () => Promise.reject(readError) }).deleteToken(456, 101, KEY));
    expect(error).toBeInstanceOf(GcoreOutcomeUnknownError);
    expect(error.message).toBe(`DELETE ${PATH}: HTTP 500, and the token could not be read to learn whether it was deleted`);
    expect(error.cause).toBe(readError);
    expect(gcore.deletes).toBe(1);
  });

  it('a hung DELETE (timeout) is read too, and its error code named', async () => {
    deleteAnswers({ hang: true }, { hang: true }, { hang: true });
    const seen: (number | 'error')[] = [];
    const durations: number[] = [];
    const onResponse = (status: number | 'error', durationMs: number) => {
      seen.push(status);
      durations.push(durationMs);
    };
    const error = await failure(deleter({ onResponse }).deleteToken(456, 101, KEY));
    expect(error.message).toBe(`DELETE ${PATH}: ETIMEDOUT after 3 attempt(s); the token is still there`);
    expect(reads).toBe(3);
    expect(seen).toEqual(['error', 'error', 'error']);
    expect(durations.every((ms) => ms >= 0 && ms < 60_000)).toBe(true);
    expect(error.message).not.toContain(KEY);
  });
});

describe('token deleter: a request that never left', () => {
  it('a refused connection is sent again without a read, and after the last attempt nothing was deleted', async () => {
    const url = gcore.url;
    await gcore.close(); // nothing listens on the port any more: ECONNREFUSED
    const error = await failure(deleter({ baseUrl: url }).deleteToken(456, 101, KEY));
    expect(error).toBeInstanceOf(GcoreUnavailableError);
    expect(error.message).toBe(`DELETE ${PATH}: ECONNREFUSED after 3 attempt(s); nothing was deleted`);
    expect(reads).toBe(0);
    expect(sleeps).toEqual([1000, 2000]);
  });

  it('waits with a real timer when no sleep is given', async () => {
    deleteAnswers({ status: 429, headers: { 'retry-after': '0' } });
    expect(await deleter({ sleep: undefined }).deleteToken(456, 101, KEY)).toBe('deleted');
    expect(gcore.deletes).toBe(2);
  });
});
