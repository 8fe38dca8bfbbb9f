import type { Logger } from 'pino';
import { describeRedisError } from '../../store/describe-redis-error.js';
import { createRedisClient, redisLabel, redisVariable, retryUntilRedisAnswers, warnUnlessNoEviction, type RedisClient, type RedisSettings } from '../../store/redis-connection.js';

export interface WorkerRedis {
  readonly redis: RedisClient;
  /** What /healthz says while the worker waits for Redis: where it is, and the last problem logged. */
  readonly waiting: () => string;
}

/** The worker's one Redis client; its connection errors logged once per distinct problem, not once per reconnection attempt. */
export function connectWorkerRedis(settings: RedisSettings, log: Logger): WorkerRedis {
  const redis = createRedisClient(settings);
  let lastError = '';
  redis.on('error', (err) => {
    const line = describeRedisError(err, settings.redisUrl);
    if (line !== lastError) {
      lastError = line;
      log.warn(`Redis connection error: ${line}`);
    }
  });
  redis.on('ready', () => (lastError = ''));
  const where = `${redisLabel(settings)} (${redisVariable(settings)})`;
  return { redis, waiting: () => `waiting for Redis: ${where}: ${lastError || 'no answer yet'}` };
}

/** Waits until Redis answers (retrying, logging why not); a problem waiting cannot cure closes health and Redis and throws. */
export async function untilRedisAnswers(redis: RedisClient, settings: RedisSettings, log: Logger, health: { close(): Promise<void> }): Promise<void> {
  try {
    await retryUntilRedisAnswers(redis, settings, log);
  } catch (error) {
    await health.close();
    redis.disconnect();
    throw error;
  }
  await warnUnlessNoEviction(redis, log);
}
