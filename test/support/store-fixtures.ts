import { randomUUID } from 'node:crypto';
import { afterAll } from '@jest/globals';
import { Redis } from 'ioredis';
import type { RedisClient } from '../../src/store/redis-connection.js';
import { stateKey, type AlertState } from '../../src/alerts/plan-alerts.js';
import { DEFAULT_ROUTE } from '../../src/alerts/route-findings.js';
import type { Report } from '../../src/core/report.js';
import type { Finding } from '../../src/core/finding.js';
import type { RunCommit } from '../../src/store/commit-run.js';

/** A connection to the tests' real Redis and a prefix of its own. */
export function testRedis(): { redis: Redis; prefix: string } {
  const url = process.env.REDIS_URL;
  if (!url) {
    throw new Error('REDIS_URL is not set: the Jest global setup starts redis-server');
  }
  return { redis: new Redis(url, { maxRetriesPerRequest: null }), prefix: `s${randomUUID().slice(0, 8)}` };
}

/**
 * What a test file opens beside `redis` (queues, workers), closed after its tests, the last opened first, and then
 * `redis`: push a close as each thing is opened.
 */
export function closeAfterAll(redis: Redis): (() => Promise<unknown>)[] {
  const closers: (() => Promise<unknown>)[] = [];
  afterAll(async () => {
    for (const close of closers.reverse()) {
      await close();
    }
    await redis.quit();
  });
  return closers;
}

export const stateOf = (finding: Finding, notified: string | null = null): AlertState => ({
  key: stateKey(DEFAULT_ROUTE, finding.id),
  route: DEFAULT_ROUTE,
  finding,
  firstSeen: '2026-11-29T12:00:00.000Z',
  lastSeen: '2026-11-29T12:00:00.000Z',
  lastNotified: notified,
});

export function reportOf(run: string, findings: Finding[] = []): Report {
  return {
    runId: run,
    startedAt: '2026-11-29T12:00:00.000Z',
    finishedAt: '2026-11-29T12:00:01.000Z',
    evaluatedAt: '2026-11-29T12:00:00.000Z',
    summary: { accounts: 1, tokensAudited: findings.length, findings: findings.length, bySeverity: { critical: 0, high: 0, medium: findings.length, low: 0, info: 0 }, muted: 0, failed: 0 },
    findings,
    coverage: [],
    warnings: [],
  };
}

export function commitOf(run: string, overrides: Partial<RunCommit> = {}): RunCommit {
  return {
    run,
    trigger: 'schedule',
    counts: { new: 0, resolved: 0, open: 0 },
    version: 0,
    upserts: [],
    resolvedIds: [],
    report: reportOf(run),
    digests: [],
    openCounts: new Map(),
    gapKeys: [],
    now: new Date('2026-11-29T12:00:00.000Z'),
    ...overrides,
  };
}

/** Every key of the prefix with its whole value, whatever its type, as text. */
export async function dumpPrefix(redis: RedisClient, prefix: string): Promise<string> {
  const keys = await redis.keys(`${prefix}*`);
  const out: string[] = [];
  for (const key of keys) {
    const type = await redis.type(key);
    const value =
      type === 'string'
        ? await redis.get(key)
        : type === 'hash'
          ? await redis.hgetall(key)
          : type === 'list'
            ? await redis.lrange(key, 0, -1)
            : type === 'set'
              ? await redis.smembers(key)
              : type === 'zset'
                ? await redis.zrange(key, 0, -1, 'WITHSCORES')
                : type === 'stream'
                  ? await redis.xrange(key, '-', '+')
                  : `(${type})`;
    out.push(`${key} ${JSON.stringify(value)}`);
  }
  return out.join('\n');
}
