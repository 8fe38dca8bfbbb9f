/**
 * Where the bench's workers keep their queues: one redis-server, or a Redis Cluster of masters only. Either
 * way the bench reads Redis's own figures (CPU, `INFO memory` used_memory, kept keys) summed over the masters.
 */
import { Redis } from 'ioredis';
import { startRedisCluster } from '../test/support/redis-cluster.js';
import { startRedisServer } from '../test/support/redis-server.js';

export interface RedisTarget {
  /** For the table: "one Redis", "3-master cluster". */
  readonly label: string;
  /** REDIS_URL or REDIS_CLUSTER_NODES for the worker and `trigger`. */
  readonly env: Record<string, string>;
  /** A queue prefix from a plain name; under a cluster, a hash tag, as the README requires. */
  prefix(name: string): string;
  /** One connection to each master. */
  masters(): Promise<readonly Redis[]>;
  stop(): Promise<void>;
}

function connections(ports: () => Promise<number[]>) {
  const open = new Map<number, Redis>();
  return {
    masters: async () =>
      (await ports()).map((port) => {
        let c = open.get(port);
        if (!c) {
          c = new Redis({ port, host: '127.0.0.1' });
          open.set(port, c);
        }
        return c;
      }),
    close: () => Promise.all([...open.values()].map((c) => c.quit())),
  };
}

/** One redis-server with AOF, `appendfsync everysec`, as docker-compose.yml runs it. */
export async function oneRedis(): Promise<RedisTarget> {
  const server = await startRedisServer({ appendfsync: 'everysec' });
  const c = connections(() => Promise.resolve([server.port]));
  return {
    label: 'one Redis',
    env: { REDIS_URL: server.url },
    prefix: (name) => name,
    masters: c.masters,
    async stop() {
      await c.close();
      await server.stop();
    },
  };
}

/** A Redis Cluster of `masters` masters, no replicas (test/support/redis-cluster.ts: no AOF, no RDB). */
export async function redisCluster(masters: number): Promise<RedisTarget> {
  const cluster = await startRedisCluster({ masters });
  const c = connections(() => cluster.masterPorts());
  return {
    label: `${masters}-master cluster`,
    env: { REDIS_CLUSTER_NODES: cluster.nodesEnv() },
    prefix: (name) => `{${name}}`,
    masters: c.masters,
    async stop() {
      await c.close();
      await cluster.stop();
    },
  };
}

const field = (info: string, name: string) => Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(info)?.[1] ?? 0);

async function sum(target: RedisTarget, of: (redis: Redis) => Promise<number>): Promise<number> {
  const values = await Promise.all((await target.masters()).map(of));
  return values.reduce((a, b) => a + b, 0);
}

/** CPU time (user + system) the masters have used so far. */
export const redisCpuMs = (target: RedisTarget) =>
  sum(target, async (r) => {
    const info = await r.info('cpu');
    return (field(info, 'used_cpu_user') + field(info, 'used_cpu_sys')) * 1000;
  });

/** `INFO memory` used_memory summed over the masters. */
export const usedMemory = (target: RedisTarget) => sum(target, async (r) => field(await r.info('memory'), 'used_memory'));

/** The kept keys of one queue prefix over every master: the sum of MEMORY USAGE, and the biggest groups. */
export async function keptState(target: RedisTarget, prefix: string): Promise<{ keys: number; bytes: number; groups: Record<string, number> }> {
  const groups: Record<string, number> = {};
  let bytes = 0;
  let count = 0;
  for (const redis of await target.masters()) {
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await redis.scan(cursor, 'MATCH', `${prefix.replace(/[{}[\]*?\\]/g, '\\$&')}:*`, 'COUNT', 1000);
      cursor = next;
      for (const key of batch) {
        keys.push(key);
      }
    } while (cursor !== '0');
    for (let i = 0; i < keys.length; i += 1000) {
      const part = keys.slice(i, i + 1000);
      const pipeline = redis.pipeline();
      for (const key of part) {
        pipeline.memory('USAGE', key, 'SAMPLES', '0');
      }
      const sizes = ((await pipeline.exec()) ?? []).map(([, size]) => Number(size ?? 0));
      part.forEach((key, j) => {
        // token-audit:audit-tokens:123 → audit-tokens:*; token-audit:alert:abc → alert:*
        const group = key.slice(prefix.length + 1).replace(/:[^:]*\d[^:]*$/, ':*');
        groups[group] = (groups[group] ?? 0) + (sizes[j] ?? 0);
        bytes += sizes[j] ?? 0;
      });
    }
    count += keys.length;
  }
  return { keys: count, bytes, groups };
}
