import { describe, expect, it } from '@jest/globals';
import type { Redis } from 'ioredis';

// What src/store/redis-connection.ts sets as it loads (its defaults, the back-off, the probe key, the variable
// to name). The module is imported inside the test, not at the top: code run while a module loads is
// otherwise seen by no test in particular, and mutation testing then checks it against tests that never read
// it. One test: the module loads once a file, and what runs then counts as the first test's alone.
describe('redis-connection as loaded', () => {
  it('defaults (Redis on localhost, a plain prefix, a hash-tagged one for a cluster), the probe key, the variable to fix, the back-off', async () => {
    const m = await import('../../src/store/redis-connection.js');
    expect([m.DEFAULT_REDIS_URL, m.DEFAULT_QUEUE_PREFIX, m.DEFAULT_CLUSTER_PREFIX]).toEqual(['redis://127.0.0.1:6379', 'token-audit', '{token-audit}']);
    expect(m.queueSettings({}).prefix).toBe('token-audit');
    expect(m.queueSettings({ REDIS_CLUSTER_NODES: 'h:7000' }).prefix).toBe('{token-audit}');

    expect(m.probeKey('{p}')).toBe('{p}:probe');
    expect(m.redisVariable({ clusterNodes: [] })).toBe('REDIS_URL');
    expect(m.redisVariable({ clusterNodes: [{ host: 'h', port: 7000 }] })).toBe('REDIS_CLUSTER_NODES');
    const client = m.createRedisClient({ redisUrl: 'redis://127.0.0.1:6390', clusterNodes: [] });
    client.on('error', () => undefined);
    client.disconnect();
    expect([0, 3, 4, 40].map((n) => (client as Redis).options.retryStrategy?.(n))).toEqual([100, 800, 1600, 2000]);
  });
});
