import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { createGcoreApi, type GcoreApiOptions } from '../../src/gcore/create-gcore-api.js';
import { createRequestLimiter } from '../../src/gcore/request-limiter.js';
import {
  GcoreAuthError,
  GcoreForbiddenError,
  GcoreNotFoundError,
  GcoreResponseError,
  GcoreUnavailableError,
} from '../../src/core/errors.js';
import { failure } from '../support/failure.js';
import { gcoreToken, startGcoreStandIn, type GcoreStandIn } from '../support/gcore-stand-in.js';

const KEY = '42_s3cr3t-gcore-key-value';
let gcore: GcoreStandIn;

beforeEach(async () => {
  gcore = await startGcoreStandIn();
  gcore.keys.set(KEY, 456);
  gcore.accounts.set(456, new Map([[101, gcoreToken(101)], [102, gcoreToken(102)]]));
});
afterEach(() => gcore.close());

function api(overrides: Partial<GcoreApiOptions> = {}) {
  return createGcoreApi({
    baseUrl: gcore.url,
    apiVersion: 'v2',
    timeoutMs: 2000,
    retries: 3,
    retryBaseDelayMs: 5,
    limiter: createRequestLimiter({ concurrency: 4 }),
    ...overrides,
  });
}

describe('Gcore API client', () => {
  it('reads a token on the v2 path with the APIKey header', async () => {
    expect(await api().getToken(456, 101, KEY)).toMatchObject({ id: 101, name: 'token-101' });
    expect(gcore.requests).toEqual(['GET /iam/v2/clients/456/tokens/101']);
  });

  it('uses the deprecated v1 paths when asked', async () => {
    const v1 = api({ apiVersion: 'v1' });
    await v1.listTokens(456, KEY);
    await v1.getToken(456, 102, KEY);
    expect(gcore.requests).toEqual(['GET /iam/clients/456/tokens', 'GET /iam/clients/456/tokens/102']);
  });

  it('lists on v2 and finds the account id with /iam/clients/me', async () => {
    expect(await api().getAccountId(KEY)).toBe(456);
    expect(await api().listTokens(456, KEY)).toHaveLength(2);
    expect(gcore.requests).toEqual(['GET /iam/clients/me', 'GET /iam/v2/clients/456/tokens']);
  });

  it('retries 5xx with backoff and succeeds', async () => {
    gcore.scripts.set('/iam/v2/clients/456/tokens/101', (_req, n) => (n <= 2 ? { status: 503, body: '{}' } : undefined));
    expect(await api().getToken(456, 101, KEY)).toMatchObject({ id: 101 });
    expect(gcore.requests.length).toBe(3);
  });

  it('gives up after `retries` retries with a clear error', async () => {
    gcore.scripts.set('/iam/v2/clients/456/tokens/101', () => ({ status: 502, body: '<html>bad gateway</html>' }));
    const error = await failure(api({ retries: 2 }).getToken(456, 101, KEY));
    expect(error).toBeInstanceOf(GcoreUnavailableError);
    expect(error.message).toBe('GET /iam/v2/clients/456/tokens/101 failed after 3 attempt(s): HTTP 502');
    expect(gcore.requests.length).toBe(3);
  });

  it('honours Retry-After on 429', async () => {
    const waits: number[] = [];
    let last = 0;
    gcore.scripts.set('/iam/v2/clients/456/tokens/101', (_req, n) => {
      const now = Date.now();
      if (last) {
        waits.push(now - last);
      }
      last = now;
      return n === 1 ? { status: 429, body: '{"detail":"slow down"}', headers: { 'retry-after': '1' } } : undefined;
    });
    expect(await api().getToken(456, 101, KEY)).toMatchObject({ id: 101 });
    expect(gcore.requests.length).toBe(2);
    // the backoff base is 5 ms here: only Retry-After explains a wait of a second
    expect(waits[0]).toBeGreaterThanOrEqual(950);
  });

  it('does not wait out a Retry-After longer than the limit, and reports it', async () => {
    gcore.scripts.set('/iam/v2/clients/456/tokens/101', () => ({ status: 429, body: '{}', headers: { 'retry-after': '120' } }));
    const error = await failure(api().getToken(456, 101, KEY));
    expect(error).toBeInstanceOf(GcoreUnavailableError);
    expect((error as GcoreUnavailableError).retryAfterMs).toBe(120_000);
    expect(gcore.requests.length).toBe(1);
  });

  it('times out a request that never answers, retrying it', async () => {
    gcore.scripts.set('/iam/v2/clients/456/tokens/101', () => ({ status: 200, hang: true }));
    const error = await failure(api({ timeoutMs: 150, retries: 1 }).getToken(456, 101, KEY));
    expect(error).toBeInstanceOf(GcoreUnavailableError);
    expect(error.message).toBe('GET /iam/v2/clients/456/tokens/101 failed after 2 attempt(s): ETIMEDOUT');
    expect(gcore.requests.length).toBe(2);
  });

  it('reports malformed JSON as a bad response', async () => {
    gcore.scripts.set('/iam/v2/clients/456/tokens/101', () => ({ status: 200, body: '{"id": 101, "name": ' }));
    const error = await failure(api().getToken(456, 101, KEY));
    expect(error).toBeInstanceOf(GcoreResponseError);
    expect(error.message).toBe('GET /iam/v2/clients/456/tokens/101: the response is not valid JSON');
  });

  it('turns 401 into a clear, unretried error naming the account', async () => {
    const error = await failure(api().getToken(456, 101, 'wrong-key'));
    expect(error).toBeInstanceOf(GcoreAuthError);
    expect(error.message).toBe('the API key for account 456 was rejected: Token is invalid or expired');
    expect(gcore.requests.length).toBe(1);
  });

  it('turns 403 into an error with the Administrators hint', async () => {
    gcore.keys.set('other-key-123', 789);
    const error = await failure(api().getToken(456, 101, 'other-key-123'));
    expect(error).toBeInstanceOf(GcoreForbiddenError);
    expect(error.message).toContain('needs a key with the Administrators role');
  });

  it('turns 404 into GcoreNotFoundError', async () => {
    expect(await failure(api().getToken(456, 999, KEY))).toBeInstanceOf(GcoreNotFoundError);
  });

  it('never puts the key in an error message, even when the server echoes it', async () => {
    gcore.scripts.set('/iam/v2/clients/456/tokens/101', () => ({ status: 401, body: JSON.stringify({ detail: `Bad permanent token: ${KEY}` }) }));
    const error = await failure(api().getToken(456, 101, KEY));
    expect(error.message).toBe('the API key for account 456 was rejected: Bad permanent token: [REDACTED]');
  });

  it('holds the concurrency limit across accounts', async () => {
    gcore.latencyMs = 30;
    gcore.keys.set('key-789-xyz', 789);
    gcore.accounts.set(789, new Map(Array.from({ length: 10 }, (_, i) => [300 + i, gcoreToken(300 + i, {}, 789)])));
    gcore.accounts.set(456, new Map(Array.from({ length: 10 }, (_, i) => [100 + i, gcoreToken(100 + i)])));
    const shared = api({ limiter: createRequestLimiter({ concurrency: 3 }) });
    await Promise.all([
      ...Array.from({ length: 10 }, (_, i) => shared.getToken(456, 100 + i, KEY)),
      ...Array.from({ length: 10 }, (_, i) => shared.getToken(789, 300 + i, 'key-789-xyz')),
    ]);
    expect(gcore.requests.length).toBe(20);
    expect(gcore.maxInFlight).toBe(3);
  });
});
