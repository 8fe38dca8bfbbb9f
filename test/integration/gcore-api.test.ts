import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { createGcoreApi, type GcoreApiOptions } from '../../src/gcore/create-gcore-api.js';
import { createRequestLimiter } from '../../src/gcore/request-limiter.js';
import {
  GcoreAuthError,
  GcoreForbiddenError,
  GcoreNotFoundError,
  GcoreRateLimitedError,
  GcoreRedirectError,
  GcoreResponseError,
  GcoreResponseTooLargeError,
  GcoreUnavailableError,
} from '../../src/core/errors.js';
import { gzipBomb } from '../support/gzip-bomb.js';
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
    expect(error).not.toBeInstanceOf(GcoreRateLimitedError);
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
    expect((error.cause as Error).message).toBe('no complete answer within 150 ms');
    expect(gcore.requests.length).toBe(2);
  });

  it('reports malformed JSON as a bad response', async () => {
    gcore.scripts.set('/iam/v2/clients/456/tokens/101', () => ({ status: 200, body: '{"id": 101, "name": ' }));
    const error = await failure(api().getToken(456, 101, KEY));
    expect(error).toBeInstanceOf(GcoreResponseError);
    expect(error.message).toBe('GET /iam/v2/clients/456/tokens/101: the response is not valid JSON');
    expect(error.cause).toBeInstanceOf(SyntaxError);
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
    const error = await failure(api().getToken(456, 999, KEY));
    expect(error).toBeInstanceOf(GcoreNotFoundError);
    expect(error.message).toBe('GET /iam/v2/clients/456/tokens/999: not found (HTTP 404)');
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

describe('Gcore API client under hostile answers', () => {
  it('never follows a redirect: the target gets no request and no key; the error names status and host', async () => {
    const seen: IncomingHttpHeaders[] = [];
    const target = createServer((req, res) => {
      seen.push(req.headers);
      res.end('{}');
    });
    await new Promise<void>((r) => target.listen(0, '127.0.0.1', r));
    const port = (target.address() as AddressInfo).port;
    try {
      gcore.scripts.set('/iam/v2/clients/456/tokens/101', () => ({
        status: 302,
        body: '<html>moved</html>',
        headers: { location: `http://127.0.0.1:${port}/steal?key=${KEY}` },
      }));
      gcore.scripts.set('/iam/v2/clients/456/tokens', () => ({ status: 301, headers: { location: `http://127.0.0.1:${port}/list` } }));
      const error = await failure(api().getToken(456, 101, KEY));
      expect(error).toBeInstanceOf(GcoreRedirectError);
      expect(error.message).toBe(
        `GET /iam/v2/clients/456/tokens/101: Gcore answered HTTP 302, a redirect to 127.0.0.1:${port}: refused (redirects are never followed)`,
      );
      expect(await failure(api().listTokens(456, KEY))).toBeInstanceOf(GcoreRedirectError);
      expect(seen).toEqual([]);
      expect(gcore.requests.length).toBe(2); // not retried either
    } finally {
      await new Promise<void>((r) => target.close(() => r()));
    }
  });

  it('refuses a 200 MB token body after reading about its bound, not the whole body', async () => {
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    gcore.scripts.set('/iam/v2/clients/456/tokens/101', () => ({
      status: 200,
      stream: function* () {
        yield Buffer.from('{"id": 101, "name": "');
        for (let i = 0; i < 3200; i += 1) {
          yield chunk; // 200 MB in all
        }
      },
      body: '"}',
    }));
    const error = await failure(api().getToken(456, 101, KEY));
    expect(error).toBeInstanceOf(GcoreResponseTooLargeError);
    expect(error.message).toBe('GET /iam/v2/clients/456/tokens/101: the response is larger than 1 MB (decompressed): refused');
    expect(gcore.requests.length).toBe(1); // not retried
    await new Promise((r) => setTimeout(r, 50)); // let the stand-in see the closed socket
    expect(gcore.streamedBytes).toBeLessThan(20 * 1024 * 1024);
  });

  it('bounds a list at 10 MB and a token at 1 MB, each as the announced or the read size', async () => {
    const big = (n: number) => `[${Array.from({ length: n }, (_, i) => `{"id":${i + 1},"name":"${'n'.repeat(100)}"}`).join(',')}]`;
    gcore.scripts.set('/iam/v2/clients/456/tokens', () => ({ status: 200, body: big(50_000) })); // ~6 MB: under the list bound
    expect(await api().listTokens(456, KEY)).toHaveLength(50_000);
    gcore.scripts.set('/iam/v2/clients/456/tokens', () => ({ status: 200, body: big(100_000) })); // ~12 MB
    const error = await failure(api().listTokens(456, KEY));
    expect(error).toBeInstanceOf(GcoreResponseTooLargeError);
    expect(error.message).toContain('larger than 10 MB');
    gcore.scripts.set('/iam/clients/me', () => ({ status: 200, body: JSON.stringify({ id: 456, pad: 'x'.repeat(1024 * 1024) }) }));
    expect(await failure(api().getAccountId(KEY))).toBeInstanceOf(GcoreResponseTooLargeError);
  });

  it('does not inflate a 1 MB gzip bomb past the bound', async () => {
    const bomb = await gzipBomb();
    expect(bomb.length).toBeLessThan(1.1 * 1024 * 1024);
    gcore.scripts.set('/iam/v2/clients/456/tokens/101', () => ({ status: 200, body: bomb, headers: { 'content-encoding': 'gzip' } }));
    const before = process.memoryUsage().rss;
    const error = await failure(api().getToken(456, 101, KEY));
    expect(error).toBeInstanceOf(GcoreResponseTooLargeError);
    // inflated whole, it is 1 GB
    expect(process.memoryUsage().rss - before).toBeLessThan(200 * 1024 * 1024);
    // a small gzipped body is read as usual
    const { gzipSync } = await import('node:zlib');
    gcore.scripts.set('/iam/v2/clients/456/tokens/102', () => ({ status: 200, body: gzipSync(JSON.stringify(gcoreToken(102))), headers: { 'content-encoding': 'gzip' } }));
    expect(await api().getToken(456, 102, KEY)).toMatchObject({ id: 102 });
  }, 30_000);

  it('retries a 429 on the list and on /iam/clients/me even where get-token 429s go straight back to the worker', async () => {
    const worker = api({ retryRateLimitedGets: false });
    const limited = (_req: unknown, n: number) => (n === 1 ? { status: 429, body: '{}', headers: { 'retry-after': '0' } } : undefined);
    gcore.scripts.set('/iam/v2/clients/456/tokens', limited);
    gcore.scripts.set('/iam/clients/me', limited);
    gcore.scripts.set('/iam/v2/clients/456/tokens/101', limited);
    expect(await worker.listTokens(456, KEY)).toHaveLength(2);
    expect(await worker.getAccountId(KEY)).toBe(456);
    expect(await failure(worker.getToken(456, 101, KEY))).toBeInstanceOf(GcoreRateLimitedError);
    expect(gcore.requests.filter((r) => r.endsWith('/tokens/101')).length).toBe(1);
    // the one-shot audit retries it
    expect(await api().getToken(456, 101, KEY)).toMatchObject({ id: 101 });
  });

  it('says how long Gcore asked to wait when it is longer than the limit, seconds or HTTP date', async () => {
    gcore.scripts.set('/iam/v2/clients/456/tokens/101', () => ({ status: 429, body: '{}', headers: { 'retry-after': '86400' } }));
    const error = await failure(api().getToken(456, 101, KEY));
    expect(error.message).toBe('GET /iam/v2/clients/456/tokens/101: HTTP 429, Gcore asked to wait 86400 s, longer than we wait (60 s)');
    const inAYear = new Date(Date.now() + 365 * 86_400_000).toUTCString();
    gcore.scripts.set('/iam/v2/clients/456/tokens/102', () => ({ status: 429, body: '{}', headers: { 'retry-after': inAYear } }));
    const dated = (await failure(api().getToken(456, 102, KEY))) as GcoreRateLimitedError;
    expect(dated.retryAfterMs).toBeGreaterThan(364 * 86_400_000);
    expect(gcore.requests.length).toBe(2);
  });
});

// The client speaks node:http itself (src/gcore/http-get.ts): what got did for us must still hold.
describe('Gcore API client on the wire', () => {
  interface Seen {
    readonly method: string | undefined;
    readonly url: string | undefined;
    readonly headers: IncomingHttpHeaders;
  }
  let server: Server;
  let url: string;
  let seen: Seen[];
  let connections: number;
  let answer: (req: IncomingMessage, res: ServerResponse, n: number) => void;

  beforeEach(async () => {
    seen = [];
    connections = 0;
    server = createServer((req, res) => {
      seen.push({ method: req.method, url: req.url, headers: req.headers });
      answer(req, res, seen.length);
    });
    server.on('connection', () => (connections += 1));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterEach(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  const json = (res: ServerResponse, body: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(200, { 'content-type': 'application/json', ...headers });
    res.end(typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body));
  };
  const client = (overrides: Partial<GcoreApiOptions> = {}) => api({ baseUrl: url, ...overrides });

  it('sends what got sent: GET, the path under the base URL, our user agent, JSON, compression and the key', async () => {
    answer = (_req, res) => json(res, gcoreToken(101));
    await client().getToken(456, 101, KEY);
    await client({ baseUrl: `${url}/gcore` }).getToken(456, 101, KEY);
    await client({ baseUrl: `${url}/gcore/` }).getToken(456, 101, KEY);
    expect(seen.map((s) => s.url)).toEqual(['/iam/v2/clients/456/tokens/101', '/gcore/iam/v2/clients/456/tokens/101', '/gcore/iam/v2/clients/456/tokens/101']);
    expect(seen[0]?.method).toBe('GET');
    expect(seen[0]?.headers).toMatchObject({
      'user-agent': 'gcore-token-audit',
      accept: 'application/json',
      'accept-encoding': 'gzip, deflate, br',
      authorization: `APIKey ${KEY}`,
    });
  });

  it('reads from an IPv6 loopback base URL, [::1]', async () => {
    const six = createServer((_req, res) => json(res, gcoreToken(101)));
    await new Promise<void>((r) => six.listen(0, '::1', r));
    try {
      const port = (six.address() as AddressInfo).port;
      expect(await client({ baseUrl: `http://[::1]:${port}` }).getToken(456, 101, KEY)).toEqual(gcoreToken(101));
    } finally {
      six.closeAllConnections();
      await new Promise((r) => six.close(r));
    }
  });

  it('reads every answer over one kept-alive connection', async () => {
    answer = (_req, res) => json(res, gcoreToken(101));
    const one = client();
    for (let i = 0; i < 5; i += 1) {
      await one.getToken(456, 101, KEY);
    }
    expect(seen.length).toBe(5);
    expect(connections).toBe(1);
  });

  it('inflates gzip, deflate (zlib-wrapped or raw) and br answers', async () => {
    const { brotliCompressSync, deflateRawSync, deflateSync, gzipSync } = await import('node:zlib');
    const body = Buffer.from(JSON.stringify(gcoreToken(101)));
    const codings: [string, Buffer][] = [
      ['gzip', gzipSync(body)],
      ['deflate', deflateSync(body)],
      ['deflate', deflateRawSync(body)],
      ['br', brotliCompressSync(body)],
      ['GZIP', gzipSync(body)],
    ];
    for (const [coding, bytes] of codings) {
      answer = (_req, res) => json(res, bytes, { 'content-encoding': coding });
      expect({ coding, body: await client().getToken(456, 101, KEY) }).toEqual({ coding, body: gcoreToken(101) });
    }
    // An empty compressed answer is an empty body, as got read it: the token parse then names it.
    answer = (_req, res) => json(res, '', { 'content-encoding': 'gzip' });
    expect(await client().getToken(456, 101, KEY)).toBe('');
    answer = (_req, res) => json(res, '');
    expect(await client().getToken(456, 101, KEY)).toBe('');
  });

  it('bounds a compressed answer by its inflated size, not the announced one', async () => {
    const { gzipSync } = await import('node:zlib');
    const token = JSON.stringify({ ...gcoreToken(101), description: 'd'.repeat(600) });
    const stored = gzipSync(token, { level: 0 }); // not compressed at all: larger than the token itself
    const bound = token.length + 8;
    expect(stored.length).toBeGreaterThan(bound);
    answer = (_req, res) => json(res, stored, { 'content-encoding': 'gzip', 'content-length': String(stored.length) });
    expect(await client({ maxTokenBytes: bound }).getToken(456, 101, KEY)).toMatchObject({ id: 101 });
    expect(await client({ maxTokenBytes: token.length }).getToken(456, 101, KEY)).toMatchObject({ id: 101 }); // exactly the bound
    const tooLarge = await failure(client({ maxTokenBytes: stored.length >> 1 }).getToken(456, 101, KEY));
    expect(tooLarge.message).toBe(`GET /iam/v2/clients/456/tokens/101: the response is larger than ${stored.length >> 1} bytes (decompressed): refused`);
    // The same bytes announced uncompressed: exactly the bound is read, a byte more refused.
    answer = (_req, res) => json(res, token, { 'content-length': String(token.length) });
    expect(await client({ maxTokenBytes: token.length }).getToken(456, 101, KEY)).toMatchObject({ id: 101 });
    expect(await failure(client({ maxTokenBytes: token.length - 1 }).getToken(456, 101, KEY))).toBeInstanceOf(GcoreResponseTooLargeError);
  });

  it('reads the people on their paths, the lists under the list bound, the single reads under the token bound, a 429 retried', async () => {
    const roster = JSON.stringify({ count: 1, results: [{ id: 7 }], pad: 'x'.repeat(400) });
    answer = (_req, res, n) => {
      if (n % 2 === 1) {
        res.writeHead(429, { 'retry-after': '0' });
        res.end('{}');
      } else {
        json(res, roster);
      }
    };
    // The worker's client: its get-token 429s go back at once, the people's are retried here.
    const people = client({ retryRateLimitedGets: false, maxTokenBytes: 200, maxListBytes: 1000 });
    const read = (call: Promise<unknown>) => call.then(() => 'read', (e: Error) => e.constructor.name);
    expect([
      await read(people.getAccountDetails?.(KEY) ?? Promise.reject(new Error('none'))),
      await read(people.listUsers?.(50, 100, KEY) ?? Promise.reject(new Error('none'))),
      await read(people.getUser?.(7, KEY) ?? Promise.reject(new Error('none'))),
      await read(people.getClientUser?.(456, 7, KEY) ?? Promise.reject(new Error('none'))),
    ]).toEqual(['read', 'read', 'GcoreResponseTooLargeError', 'GcoreResponseTooLargeError']);
    expect(seen.map((x) => x.url)).toEqual([
      '/iam/clients/me', '/iam/clients/me',
      '/iam/users?limit=50&offset=100', '/iam/users?limit=50&offset=100',
      '/iam/users/7', '/iam/users/7',
      '/iam/clients/456/client-users/7', '/iam/clients/456/client-users/7',
    ]);
    // A refused key names the account where the call knows it.
    answer = (_req, res) => {
      res.writeHead(401);
      res.end('');
    };
    expect((await failure(people.getClientUser?.(456, 7, KEY) ?? Promise.resolve())).message).toBe('the API key for account 456 was rejected: Token is invalid or expired');
    expect((await failure(people.listUsers?.(50, 0, KEY) ?? Promise.resolve())).message).toBe('the API key for the account was rejected: Token is invalid or expired');
    expect((await failure(people.listTokens(456, KEY))).message).toBe('the API key for account 456 was rejected: Token is invalid or expired');
  });

  it('takes the account id only when it is a positive whole number', async () => {
    for (const body of [{ id: 0 }, { id: -3 }, { id: 1.5 }, { id: '456' }, { id: 2 ** 53 }, {}, null, [456]]) {
      answer = (_req, res) => json(res, JSON.stringify(body));
      const error = await failure(client().getAccountId(KEY));
      expect({ body, error: [error.constructor.name, error.message] }).toEqual({
        body,
        error: ['GcoreResponseError', 'GET /iam/clients/me: the response has no valid "id"'],
      });
    }
    answer = (_req, res) => json(res, JSON.stringify({ id: 2 ** 53 - 1 }));
    expect(await client().getAccountId(KEY)).toBe(2 ** 53 - 1);
  });

  it("quotes Gcore's detail or message from an error body, on one line and cut, and names a redirect's host or its absence", async () => {
    const answerWith = (status: number, body: string, headers: Record<string, string> = {}) => {
      answer = (_req, res) => {
        res.writeHead(status, headers);
        res.end(body);
      };
    };
    answerWith(400, JSON.stringify({ message: 'bad\n\t  request' }));
    expect((await failure(client().getToken(456, 101, KEY))).message).toBe('GET /iam/v2/clients/456/tokens/101: unexpected HTTP 400: bad request');
    answerWith(400, JSON.stringify({ detail: 'first', message: 'second' }));
    expect((await failure(client().getToken(456, 101, KEY))).message).toBe('GET /iam/v2/clients/456/tokens/101: unexpected HTTP 400: first');
    answerWith(400, JSON.stringify({ detail: 'y'.repeat(300) }));
    expect((await failure(client().getToken(456, 101, KEY))).message).toBe(`GET /iam/v2/clients/456/tokens/101: unexpected HTTP 400: ${'y'.repeat(200)}`);
    answerWith(400, JSON.stringify({ detail: 5 }));
    expect((await failure(client().getToken(456, 101, KEY))).message).toBe('GET /iam/v2/clients/456/tokens/101: unexpected HTTP 400');
    answerWith(400, 'Bad Request: not JSON');
    expect((await failure(client().getToken(456, 101, KEY))).message).toBe('GET /iam/v2/clients/456/tokens/101: unexpected HTTP 400');
    for (const body of ['null', '"down"', '[1]', JSON.stringify({ message: 42 })]) {
      answerWith(400, body);
      expect((await failure(client().getToken(456, 101, KEY))).message).toBe('GET /iam/v2/clients/456/tokens/101: unexpected HTTP 400');
    }
    answerWith(403, JSON.stringify({ detail: 'no' }));
    expect((await failure(client().getToken(456, 101, KEY))).message).toBe(
      'the API key for account 456 may not read this (HTTP 403: no); reading every token of an account needs a key with the Administrators role',
    );
    answerWith(503, JSON.stringify({ detail: 'down' }));
    expect((await failure(client({ retries: 0 }).getToken(456, 101, KEY))).message).toBe('GET /iam/v2/clients/456/tokens/101 failed after 1 attempt(s): HTTP 503: down');
    // At the last attempt: a 429's Retry-After up to the limit (60 s) is kept for the caller; a 503's is not a 429's.
    const last = async (status: number, headers: Record<string, string>) => {
      answerWith(status, '{}', headers);
      const error = await failure(client({ retries: 0 }).getToken(456, 101, KEY));
      return [error.message, error instanceof GcoreRateLimitedError, (error as GcoreUnavailableError).retryAfterMs];
    };
    const failed = (status: number) => `GET /iam/v2/clients/456/tokens/101 failed after 1 attempt(s): HTTP ${status}`;
    expect(await last(429, { 'retry-after': '60' })).toEqual([failed(429), true, 60_000]);
    expect(await last(429, {})).toEqual([failed(429), true, undefined]);
    expect(await last(503, { 'retry-after': '120' })).toEqual([failed(503), false, undefined]);
    const redirect = async (headers: Record<string, string>) => {
      answerWith(302, '', headers);
      return (await failure(client().getToken(456, 101, KEY))).message;
    };
    const refused = (to: string) => `GET /iam/v2/clients/456/tokens/101: Gcore answered HTTP 302, a redirect to ${to}: refused (redirects are never followed)`;
    expect(await redirect({})).toBe(refused('nowhere (no Location)'));
    expect(await redirect({ location: 'http://[bad' })).toBe(refused('an invalid Location'));
    expect(await redirect({ location: 'mailto:someone' })).toBe(refused('an unknown host'));
    expect(await redirect({ location: '/elsewhere' })).toBe(refused(new URL(url).host));
    expect(await redirect({ location: `http://${KEY.toLowerCase()}.example/` })).toBe(refused('[REDACTED].example'));
    answerWith(300, '');
    expect((await failure(client().getToken(456, 101, KEY))).message).toContain('Gcore answered HTTP 300, a redirect to nowhere (no Location)');
  });

  it('refuses an answer announced larger than the bound before its body comes', async () => {
    answer = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(2 * 1024 * 1024) });
      res.write('{"id": 101'); // and nothing more: only the announced size can refuse it
    };
    const error = await failure(client({ timeoutMs: 1000, retries: 0 }).getToken(456, 101, KEY));
    expect(error).toBeInstanceOf(GcoreResponseTooLargeError);
    expect(seen.length).toBe(1);
  });

  it('names a body that does not inflate, without retrying it', async () => {
    answer = (_req, res) => json(res, 'not gzip at all', { 'content-encoding': 'gzip' });
    const error = await failure(client().getToken(456, 101, KEY));
    expect(error).toBeInstanceOf(GcoreUnavailableError);
    expect(error.message).toBe('GET /iam/v2/clients/456/tokens/101 failed after 1 attempt(s): Z_DATA_ERROR');
    expect(seen.length).toBe(1);
  });

  it('tells onResponse each final answer, its status or "error", and nothing for a body it refused', async () => {
    const told: (number | string)[] = [];
    const watched = (overrides: Partial<GcoreApiOptions> = {}) =>
      client({
        retries: 1,
        onResponse: (status, ms) => {
          expect(ms).toBeGreaterThanOrEqual(0);
          expect(ms).toBeLessThan(10_000); // the time since the first attempt, not a clock reading
          told.push(status);
        },
        ...overrides,
      });
    const status = (code: number, body = '{}', headers: Record<string, string> = {}) => (_req: IncomingMessage, res: ServerResponse) => {
      res.writeHead(code, { 'content-type': 'application/json', ...headers });
      res.end(body);
    };
    answer = status(200, JSON.stringify(gcoreToken(101)));
    await watched().getToken(456, 101, KEY);
    answer = status(503);
    await failure(watched().getToken(456, 101, KEY)); // two attempts, told once
    answer = status(404);
    await failure(watched().getToken(456, 101, KEY));
    answer = status(302, 'moved', { location: 'http://elsewhere.example/' });
    await failure(watched().getToken(456, 101, KEY));
    answer = status(301, '{}', { location: 'http://elsewhere.example/' });
    await failure(watched().getToken(456, 101, KEY));
    answer = status(200, 'not json');
    await failure(watched().getToken(456, 101, KEY));
    answer = status(200, JSON.stringify({ id: 1, pad: 'x'.repeat(2048) }));
    expect(await failure(watched({ maxTokenBytes: 1024 }).getToken(456, 101, KEY))).toBeInstanceOf(GcoreResponseTooLargeError);
    answer = (_req, res) => res.socket?.destroy();
    await failure(watched({ retries: 0 }).getToken(456, 101, KEY));
    expect(told).toEqual([200, 503, 404, 302, 301, 'error']);
  });

  it('reads over https when the base URL says so', async () => {
    const { createServer: createHttpsServer, globalAgent } = await import('node:https');
    const { readFileSync } = await import('node:fs');
    const { makeTlsFiles } = await import('../support/tls-files.js');
    const tls = makeTlsFiles();
    const secure = createHttpsServer({ cert: readFileSync(tls.cert), key: readFileSync(tls.key) }, (_req, res) => json(res, gcoreToken(101)));
    await new Promise<void>((r) => secure.listen(0, '127.0.0.1', r));
    const before = globalAgent.options.ca;
    globalAgent.options.ca = readFileSync(tls.ca); // the client trusts what Node's https agent trusts
    try {
      const port = (secure.address() as AddressInfo).port;
      expect(await client({ baseUrl: `https://127.0.0.1:${port}` }).getToken(456, 101, KEY)).toEqual(gcoreToken(101));
    } finally {
      globalAgent.options.ca = before;
      secure.closeAllConnections();
      await new Promise((r) => secure.close(r));
    }
  });

  it('retries an answer cut off mid-body, and names the network code when every attempt is', async () => {
    const { gzipSync } = await import('node:zlib');
    const cut = (res: ServerResponse, gzip = false) => {
      const whole = JSON.stringify(gcoreToken(101));
      const body = gzip ? gzipSync(whole) : Buffer.from(whole);
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(body.length), ...(gzip ? { 'content-encoding': 'gzip' } : {}) });
      res.write(body.subarray(0, body.length >> 1));
      setImmediate(() => res.socket?.destroy());
    };
    answer = (_req, res, n) => (n === 1 ? cut(res) : json(res, gcoreToken(101)));
    expect(await client().getToken(456, 101, KEY)).toEqual(gcoreToken(101));
    expect(seen.length).toBe(2);
    seen = [];
    answer = (_req, res, n) => cut(res, n !== 2); // compressed, plain, compressed
    const error = await failure(client({ retries: 2 }).getToken(456, 101, KEY));
    expect(error).toBeInstanceOf(GcoreUnavailableError);
    expect(error.message).toBe('GET /iam/v2/clients/456/tokens/101 failed after 3 attempt(s): ECONNRESET');
    expect(seen.length).toBe(3);
  });

  it('retries a refused connection, and says so', async () => {
    const closed = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    const error = await failure(api({ baseUrl: closed, retries: 1 }).getToken(456, 101, KEY));
    expect(error.message).toBe('GET /iam/v2/clients/456/tokens/101 failed after 2 attempt(s): ECONNREFUSED');
    expect(error.cause).toMatchObject({ code: 'ECONNREFUSED' });
    server = createServer(); // for afterEach
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  });

  it('backs off and retries when Retry-After is neither seconds nor a date', async () => {
    answer = (_req, res, n) => {
      if (n === 1) {
        res.writeHead(503, { 'retry-after': 'soon' });
        res.end('{}');
      } else {
        json(res, gcoreToken(101));
      }
    };
    expect(await client().getToken(456, 101, KEY)).toEqual(gcoreToken(101));
    expect(seen.length).toBe(2);
  });
});
