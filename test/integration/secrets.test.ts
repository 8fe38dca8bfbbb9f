import { afterEach, describe, expect, it } from '@jest/globals';
import got, { HTTPError } from 'got';
import { createLogger } from '../../src/core/logger.js';
import { createGcoreApi } from '../../src/gcore/create-gcore-api.js';
import { createRequestLimiter } from '../../src/gcore/request-limiter.js';
import { failure } from '../support/failure.js';
import { until } from '../support/worker-process.js';
import { startGcoreStandIn } from '../support/gcore-stand-in.js';
import { logSink } from '../support/log-sink.js';
import { KEY, workerHarness, type Harness } from '../support/worker-harness.js';
import type { RedisClient } from '../../src/store/redis-connection.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

/** Everything stored under the prefix, whatever the key type: job data, results, alert state, reports. */
async function dumpRedis(redis: RedisClient, prefix: string): Promise<string> {
  const out: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
    cursor = next;
    for (const key of keys) {
      const type = await redis.type(key);
      const value =
        type === 'string' ? await redis.get(key)
        : type === 'hash' ? await redis.hgetall(key)
        : type === 'list' ? await redis.lrange(key, 0, -1)
        : type === 'set' ? await redis.smembers(key)
        : type === 'zset' ? await redis.zrange(key, 0, -1, 'WITHSCORES')
        : type === 'stream' ? await redis.xrange(key, '-', '+')
        : null;
      out.push(key, JSON.stringify(value));
    }
  } while (cursor !== '0');
  return out.join('\n');
}

describe('secrets', () => {
  it('never reach logs, Redis (job data, state, reports), metrics, Slack or the report, after a run with faults', async () => {
    h = await workerHarness({ tokens: 6, config: 'gcore: { concurrency: 3, retries: 1, timeoutMs: 300 }\naccounts: [{ clientId: 456, tokens: [101, 102, 103, 104, 105, 106] }]\n' });
    // The 401 on the last token: a refused key holds the account's later tokens without a request.
    h.gcore.scripts.set('/iam/v2/clients/456/tokens/106', () => ({ status: 401, body: JSON.stringify({ detail: `Bad permanent token: ${KEY}` }) }));
    h.gcore.scripts.set('/iam/v2/clients/456/tokens/102', () => ({ status: 503, body: JSON.stringify({ message: `upstream saw ${KEY}` }) }));
    h.gcore.scripts.set('/iam/v2/clients/456/tokens/103', () => ({ status: 200, hang: true }));
    h.gcore.scripts.set('/iam/v2/clients/456/tokens/104', () => ({ status: 200, body: '{"id": 104, "name": "tru' }));
    h.slack.respond = (n) => (n === 1 ? { status: 500, body: 'rollup_error' } : { status: 200, body: 'ok' });
    const worker = await h.startWorker();
    const running = h.trigger();
    // Mid-run (token 103 hangs), the token jobs and their data are in Redis; after it they are removed.
    await until(() => Promise.resolve(h?.gcore.requests.includes('GET /iam/v2/clients/456/tokens/103') ?? false), 10_000, 'a run under way');
    const midRun = await dumpRedis(h.redis, h.prefix);
    const run = await running;
    expect(run.report?.summary.failed).toBeGreaterThanOrEqual(4);
    expect(h.slack.accepted().length).toBe(1);

    const everywhere = {
      logs: h.logs.text(),
      redisMidRun: midRun,
      redis: await dumpRedis(h.redis, h.prefix),
      metrics: await (await fetch(`http://127.0.0.1:${worker.healthPort}/metrics`)).text(),
      slack: h.slack.posts.map((p) => p.raw).join('\n'),
      report: run.stdout,
    };
    expect(midRun).toContain('apiKeyEnv\\":\\"GCORE_API_KEY'); // job data names the variable...
    for (const [where, text] of Object.entries(everywhere)) {
      for (const secret of [KEY, h.slack.webhookUrl, 'XXXXsecretXXXX']) {
        expect({ where, leaked: text.includes(secret) }).toEqual({ where, leaked: false }); // ...never the key
      }
    }
  });

  it("got's errors carry the Authorization header; logging them does not leak it, and ours carry no request at all", async () => {
    const gcore = await startGcoreStandIn();
    try {
      const raw = await failure(got(`${gcore.url}/iam/v2/clients/456/tokens/1`, { headers: { authorization: `APIKey ${KEY}` }, retry: { limit: 0 } }));
      expect(raw).toBeInstanceOf(HTTPError);
      expect(JSON.stringify((raw as HTTPError).options.headers)).toContain(KEY); // the hazard is real
      const ours = await failure(
        createGcoreApi({ baseUrl: gcore.url, apiVersion: 'v2', timeoutMs: 1000, retries: 0, limiter: createRequestLimiter({ concurrency: 1 }) }).getToken(456, 1, KEY),
      );
      const sink = logSink();
      const logger = createLogger({ destination: sink, secrets: () => [KEY] });
      logger.error({ err: raw }, 'raw got error');
      logger.error({ err: ours }, 'our error');
      logger.error({ error: raw, nested: { err: raw, headers: { authorization: `APIKey ${KEY}` } } }, 'nested');
      logger.error(`a message that quotes ${KEY}`);
      expect(sink.lines.length).toBe(4);
      expect(sink.text()).not.toContain(KEY);
      expect(sink.parsed()[1]?.err).toMatchObject({ type: 'GcoreAuthError', code: 'GCORE_AUTH' });
      // The get path no longer goes through got (src/gcore/http-get.ts): nothing of the request rides along.
      expect(ours.cause).toBeUndefined();
    } finally {
      await gcore.close();
    }
  });
});
