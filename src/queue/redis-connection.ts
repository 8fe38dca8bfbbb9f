import { Redis } from 'ioredis';
import type { Logger } from 'pino';

export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';
export const DEFAULT_QUEUE_PREFIX = 'token-audit';

/** A Redis URL fit for logs: its password (a secret) masked. */
export function redisLabel(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) {
      parsed.password = '***';
    }
    return parsed.toString();
  } catch {
    return '(REDIS_URL, not a URL)';
  }
}

/** Where the queues live: REDIS_URL and QUEUE_PREFIX, with their defaults. */
export function queueSettings(env: NodeJS.ProcessEnv) {
  return { redisUrl: env.REDIS_URL || DEFAULT_REDIS_URL, prefix: env.QUEUE_PREFIX || DEFAULT_QUEUE_PREFIX };
}

/** An ioredis client as BullMQ workers need it: requests wait for reconnection instead of failing. */
export function createRedis(url: string): Redis {
  return new Redis(url, { maxRetriesPerRequest: null, enableReadyCheck: true });
}

/** BullMQ loses jobs if Redis evicts keys: say so at start when the policy is not noeviction. */
export async function warnUnlessNoEviction(redis: Redis, logger: Logger): Promise<void> {
  try {
    const reply = (await redis.config('GET', 'maxmemory-policy')) as string[];
    const policy = reply[1];
    if (policy !== 'noeviction') {
      logger.warn({ policy }, `Redis maxmemory-policy is "${policy}": set it to "noeviction", or queued audits and alert state can be lost`);
    }
  } catch (error) {
    logger.warn({ err: error }, 'could not read Redis maxmemory-policy (CONFIG may be disabled): make sure it is "noeviction"');
  }
}
