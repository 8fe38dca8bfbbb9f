import type { Logger } from 'pino';
import { UsageError } from '../../core/errors.js';
import { connectRedis, type RedisConnection } from '../../store/redis-connection.js';

/** What the commands that read the worker's state get. */
export interface ReadIo {
  readonly env: NodeJS.ProcessEnv;
  readonly logger: Logger;
  readonly stdout: { write(text: string): unknown };
  /** Plain lines for people (a note, what Slack got), never logs. */
  readonly stderr: { write(text: string): unknown };
  /** What `--since 30d` counts back from (now by default). */
  readonly clock?: () => Date;
}

/** How long a read command waits for Redis: RedisUnavailableError (exit 5) after that. */
export const MAX_REDIS_WAIT_S = 60;

/** Runs `fn` with a connection to the worker's Redis (REDIS_URL, REDIS_CLUSTER_NODES, QUEUE_PREFIX), closed after. */
export async function withRedis<T>(io: ReadIo, timeout: string, fn: (connection: RedisConnection) => Promise<T>): Promise<T> {
  const seconds = Number(timeout);
  if (!Number.isFinite(seconds) || seconds <= 0 || seconds > MAX_REDIS_WAIT_S) {
    throw new UsageError(`--timeout: expected seconds, more than 0 and at most ${MAX_REDIS_WAIT_S}, got ${JSON.stringify(timeout.slice(0, 32))}`);
  }
  const connection = await connectRedis(io.env, io.logger, { timeoutMs: seconds * 1000 });
  try {
    return await fn(connection);
  } finally {
    await connection.close();
  }
}
