import { EventEmitter, once } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Cluster, Redis } from 'ioredis';
import { RedisUnavailableError } from '../../src/core/errors.js';
import { createLogger } from '../../src/core/logger.js';
import {
  connectRedis,
  createRedisClient,
  probeKey,
  redisVariable,
  retryUntilRedisAnswers,
  waitForRedis,
  warnUnlessNoEviction,
  type RedisClient,
} from '../../src/store/redis-connection.js';
import { logSink } from '../support/log-sink.js';

const SINGLE = { redisUrl: 'redis://:s3cret-pass@127.0.0.1:6390/3', clusterNodes: [], prefix: 'p' };
const CLUSTER = { redisUrl: 'redis://127.0.0.1:6379', clusterNodes: [{ host: 'h1', port: 7000 }, { host: 'h2', port: 7001 }], prefix: '{p}' };

const refused = () => Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6390'), { code: 'ECONNREFUSED' });
const wrongPass = () => new Error('WRONGPASS invalid username-password pair or user is disabled.');
const reset = () => Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });

/** A client that answers EXISTS as told and emits the connection errors a test hands it; what it was asked is kept. */
function fakeClient(exists: () => Promise<number>) {
  const emitter = new EventEmitter();
  const asked: string[] = [];
  const client = Object.assign(emitter, {
    exists: (key: string) => (asked.push(key), exists()),
  });
  return { client: client as unknown as RedisClient, emitter, asked };
}
const never = () => new Promise<number>(() => undefined);

describe('createRedisClient', () => {
  it("one Redis: the URL's host, port, database and credentials, commands waiting for a reconnection, a bounded back-off", () => {
    const client = createRedisClient({ ...SINGLE, tlsCa: undefined });
    client.on('error', () => undefined);
    client.disconnect();
    expect(client).toBeInstanceOf(Redis);
    const o = (client as Redis).options;
    expect(o).toMatchObject({ host: '127.0.0.1', port: 6390, db: 3, password: 's3cret-pass', maxRetriesPerRequest: null, enableReadyCheck: true });
    expect(o.username).toBeNull(); // ioredis's own default: none set
    expect(o.tls).toBeUndefined();
    expect([0, 1, 2, 4, 5, 6, 50].map((n) => o.retryStrategy?.(n))).toEqual([100, 200, 400, 1600, 2000, 2000, 2000]);
  });

  it('rediss: TLS, with the CA of REDIS_TLS_CA_FILE when one is given; a user name when the URL has one', () => {
    const plain = createRedisClient({ redisUrl: 'rediss://alice:pw@127.0.0.1:6390', clusterNodes: [] });
    const withCa = createRedisClient({ redisUrl: 'rediss://127.0.0.1:6390', clusterNodes: [], tlsCa: 'PEM' });
    for (const c of [plain, withCa]) {
      c.on('error', () => undefined);
      c.disconnect();
    }
    expect((plain as Redis).options).toMatchObject({ username: 'alice', password: 'pw' });
    expect((plain as Redis).options.tls).toEqual({}); // the system's CAs alone: no `ca` key, not even an empty one
    expect((withCa as Redis).options.tls).toEqual({ ca: ['PEM'] });
  });

  it("a cluster: BullMQ's options on every node, names kept for TLS, slots followed through a failover", async () => {
    const client = createRedisClient({ ...CLUSTER, redisUrl: 'redis://:pw@127.0.0.1:6379' });
    client.on('error', () => undefined);
    client.disconnect();
    expect(client).toBeInstanceOf(Cluster);
    const o = (client as Cluster).options;
    expect(o).toMatchObject({
      redisOptions: { password: 'pw', maxRetriesPerRequest: null, enableReadyCheck: true },
      retryDelayOnFailover: 200,
      retryDelayOnClusterDown: 200,
      retryDelayOnTryAgain: 200,
      maxRedirections: 64,
      slotsRefreshTimeout: 2000,
      enableReadyCheck: true,
    });
    expect([1, 5, 9].map((n) => (o.clusterRetryStrategy as (n: number) => number)(n))).toEqual([200, 2000, 2000]);
    const looked = await new Promise((resolve) => o.dnsLookup?.('node-1.cache.internal', (_error, address) => resolve(address)));
    expect(looked).toBe('node-1.cache.internal');
    expect((client as unknown as { startupNodes: unknown }).startupNodes).toEqual([{ host: 'h1', port: 7000 }, { host: 'h2', port: 7001 }]);
  });
});

describe('waitForRedis', () => {
  it('resolves once the owner of the prefix slot answers: EXISTS of the probe key, and leaves no listener behind', async () => {
    const { client, emitter, asked } = fakeClient(() => Promise.resolve(0));
    await waitForRedis(client, SINGLE, 60_000);
    expect(asked).toEqual([probeKey('p')]);
    expect(probeKey('p')).toBe('p:probe');
    expect(emitter.listenerCount('error')).toBe(0);
  });

  it('no answer: fails after the timeout, naming where Redis is without the password, and the variable', async () => {
    const { client, emitter } = fakeClient(never);
    const error = await waitForRedis(client, SINGLE, 20).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RedisUnavailableError);
    expect((error as Error).message).toBe('Redis at redis://:***@127.0.0.1:6390/3 (REDIS_URL): no answer within 0.02 s');
    expect(emitter.listenerCount('error')).toBe(0);
  });

  it('a wrong password is final at once, said with Redis\'s own words; the error is the cause', async () => {
    const { client, emitter } = fakeClient(never);
    const waiting = waitForRedis(client, CLUSTER, 3_600_000);
    const e = wrongPass();
    emitter.emit('error', e);
    const error = await waiting.catch((x: unknown) => x);
    expect(error).toBeInstanceOf(RedisUnavailableError);
    expect((error as Error).message).toMatch(/^Redis Cluster \(h1:7000,h2:7001\) \(REDIS_CLUSTER_NODES\): .*WRONGPASS/);
    expect((error as Error).cause).toBe(e);
  });

  it('a wrong password answering the command itself is final too', async () => {
    const { client } = fakeClient(() => Promise.reject(wrongPass()));
    await expect(waitForRedis(client, SINGLE, 3_600_000)).rejects.toThrow(/WRONGPASS/);
  });

  it('refusals in a row are final at refusalsFinal; another error between them starts the count again', async () => {
    const { client, emitter } = fakeClient(never);
    const waiting = waitForRedis(client, SINGLE, { timeoutMs: 3_600_000, refusalsFinal: 2 });
    emitter.emit('error', refused());
    emitter.emit('error', reset());
    emitter.emit('error', refused());
    let settled = false;
    void waiting.catch(() => (settled = true));
    await new Promise((resolve) => setImmediate(resolve)); // every promise callback already due has run
    expect(settled).toBe(false); // one refusal since the reset
    emitter.emit('error', refused());
    await expect(waiting).rejects.toThrow(/ECONNREFUSED/);
  });

  it('without refusalsFinal (the worker) refusals are waited out; the last error is said when the time is up', async () => {
    const { client, emitter } = fakeClient(never);
    const waiting = waitForRedis(client, SINGLE, 500);
    for (let i = 0; i < 5; i += 1) {
      emitter.emit('error', refused());
    }
    let settled = false;
    void waiting.catch(() => (settled = true));
    await new Promise((resolve) => setImmediate(resolve)); // every promise callback already due has run
    expect(settled).toBe(false); // five refusals, none final
    emitter.emit('error', reset());
    const error = await waiting.catch((x: unknown) => x);
    expect((error as Error).message).toMatch(/^Redis at redis:\/\/:\*\*\*@127\.0\.0\.1:6390\/3 \(REDIS_URL\): .*ECONNRESET/);
    expect((error as Error).message).not.toContain('s3cret-pass');
  });

  it('the probe failing with another error ends the wait at once, saying it (the worker tries again)', async () => {
    const { client } = fakeClient(() => Promise.reject(reset()));
    await expect(waitForRedis(client, SINGLE, 3_600_000)).rejects.toThrow(/ECONNRESET/);
  });

  it('the variable to fix: REDIS_CLUSTER_NODES under a cluster, else REDIS_URL', () => {
    expect(redisVariable(CLUSTER)).toBe('REDIS_CLUSTER_NODES');
    expect(redisVariable(SINGLE)).toBe('REDIS_URL');
  });
});

describe('warnUnlessNoEviction', () => {
  const run = async (config: () => Promise<unknown>) => {
    const sink = logSink();
    await warnUnlessNoEviction({ config } as unknown as RedisClient, createLogger({ level: 'info', destination: sink }));
    return sink.parsed();
  };

  it('warns when the policy can evict, names it; says nothing under noeviction or with no reply', async () => {
    expect(await run(() => Promise.resolve(['maxmemory-policy', 'allkeys-lru']))).toEqual([
      expect.objectContaining({ level: 'warn', policy: 'allkeys-lru', msg: expect.stringContaining('"allkeys-lru": set it to "noeviction"') }),
    ]);
    expect(await run(() => Promise.resolve(['maxmemory-policy', 'noeviction']))).toEqual([]);
    expect(await run(() => Promise.resolve([]))).toEqual([]);
    expect(await run(() => Promise.resolve(null))).toEqual([]);
  });

  it('CONFIG refused: warns that the policy could not be read', async () => {
    const lines = await run(() => Promise.reject(new Error("ERR unknown command 'CONFIG'")));
    expect(lines).toEqual([expect.objectContaining({ level: 'warn', msg: expect.stringMatching(/^could not read Redis maxmemory-policy/) })]);
    expect(JSON.stringify(lines[0]?.err)).toContain("unknown command 'CONFIG'");
  });
});

describe('retryUntilRedisAnswers', () => {
  it('logs each distinct problem once and tries again until Redis answers, then says so', async () => {
    let calls = 0;
    const { client } = fakeClient(() => ((calls += 1), calls === 1 ? Promise.reject(wrongPass()) : Promise.resolve(0)));
    const sink = logSink();
    await retryUntilRedisAnswers(client, SINGLE, createLogger({ level: 'info', destination: sink }));
    expect(calls).toBe(2);
    expect(sink.parsed().map((l) => [l.level, l.msg, l.attempt, l.code])).toEqual([
      ['error', expect.stringMatching(/^Redis at redis:\/\/:\*\*\*@127\.0\.0\.1:6390\/3 \(REDIS_URL\): .*WRONGPASS.*; retrying until it answers$/), 1, 'REDIS_UNAVAILABLE'],
      ['info', 'Redis answers', undefined, undefined],
    ]);
    expect(sink.parsed()[1]?.redis).toBe('Redis at redis://:***@127.0.0.1:6390/3');
  });

  it('Redis answering at once: nothing is logged', async () => {
    const { client } = fakeClient(() => Promise.resolve(1));
    const sink = logSink();
    await retryUntilRedisAnswers(client, SINGLE, createLogger({ level: 'info', destination: sink }));
    expect(sink.lines).toEqual([]);
  });
});

describe('connectRedis', () => {
  // A port that takes connections and closes them at once, and one that refuses them.
  let closing: Server;
  let port = 0;
  beforeAll(async () => {
    closing = createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => closing.listen(0, '127.0.0.1', resolve));
    port = (closing.address() as { port: number }).port;
  });
  afterAll(() => new Promise<void>((resolve) => closing.close(() => resolve())));

  it('a refused connection is final at the second refusal, long before the timeout; each distinct error is logged once', async () => {
    const free = createServer();
    await new Promise<void>((resolve) => free.listen(0, '127.0.0.1', resolve));
    const freePort = (free.address() as { port: number }).port;
    await new Promise<void>((resolve) => free.close(() => resolve()));
    const sink = logSink();
    const error = await connectRedis({ REDIS_URL: `redis://127.0.0.1:${freePort}` }, createLogger({ level: 'debug', destination: sink }), { timeoutMs: 3_600_000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RedisUnavailableError);
    expect((error as Error).message).toMatch(new RegExp(`^Redis at redis://127\\.0\\.0\\.1:${freePort} \\(REDIS_URL\\): .*ECONNREFUSED`));
    const debug = sink.parsed().filter((l) => l.level === 'debug');
    expect(debug.length).toBe(1); // two refusals alike: one line
    expect(debug[0]).toMatchObject({ redis: `Redis at redis://127.0.0.1:${freePort}`, msg: expect.stringMatching(/^Redis: .*ECONNREFUSED/) });
  });

  it('no answer within timeoutMs: RedisUnavailableError, and the client is let go', async () => {
    const error = await connectRedis({ REDIS_URL: `redis://127.0.0.1:${port}` }, createLogger({ level: 'silent' }), { timeoutMs: 50 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RedisUnavailableError);
  });

  it('close() ends the client once Redis has answered', async () => {
    // Just enough of Redis for a connection, each command answered in turn: CLIENT SETINFO, the ready check's
    // INFO, the probe's EXISTS, QUIT.
    const replies: Record<string, string> = { info: '$11\r\nloading:0\r\n\r\n', exists: ':0\r\n' };
    const seen: string[] = [];
    const sockets: Socket[] = [];
    const fake = createServer((socket) => {
      sockets.push(socket);
      socket.on('data', (data) => {
        for (const [, command] of data.toString().matchAll(/\*\d+\r\n\$\d+\r\n(\w+)\r\n/g)) {
          seen.push(command!.toLowerCase());
          socket.write(replies[command!.toLowerCase()] ?? '+OK\r\n');
        }
      });
    });
    await new Promise<void>((resolve) => fake.listen(0, '127.0.0.1', resolve));
    try {
      const connection = await connectRedis({ REDIS_URL: `redis://127.0.0.1:${(fake.address() as { port: number }).port}` }, createLogger({ level: 'silent' }), { timeoutMs: 60_000 });
      expect(connection.client.status).toBe('ready');
      const ended = once(connection.client, 'end');
      await connection.close();
      expect(seen.at(-1)).toBe('quit'); // said before the socket goes
      await ended;
      expect(connection.client.status).toBe('end');
    } finally {
      sockets.forEach((socket) => socket.destroy()); // a client left open must not keep the server up
      await new Promise<void>((resolve) => fake.close(() => resolve()));
    }
  });

  it('a bad REDIS_URL is a usage error before any connection', async () => {
    await expect(connectRedis({ REDIS_URL: 'http://x' }, createLogger({ level: 'silent' }))).rejects.toThrow(/^REDIS_URL/);
  });
});
