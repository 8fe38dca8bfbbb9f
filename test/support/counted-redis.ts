import type { RedisClient } from '../../src/store/redis-connection.js';

/** `redis` with its calls of `commands` counted: each one a round trip a store makes. */
export function countedRedis(redis: RedisClient, commands: readonly string[]): { client: RedisClient; calls: () => number } {
  let calls = 0;
  const client = new Proxy(redis, {
    get(target, name, receiver) {
      if (typeof name === 'string' && commands.includes(name)) {
        return (...args: unknown[]) => {
          calls += 1;
          return (target[name as keyof RedisClient] as (...a: unknown[]) => unknown).apply(target, args);
        };
      }
      return Reflect.get(target, name, receiver) as unknown;
    },
  });
  return { client, calls: () => calls };
}

/** `redis` whose first call of `command` fails (as a dropped connection would), every later one going through. */
export function failingOnce(redis: RedisClient, command: string): RedisClient {
  let failed = false;
  return new Proxy(redis, {
    get(target, name, receiver) {
      if (name === command && !failed) {
        return () => {
          failed = true;
          return Promise.reject(new Error(`${command} failed (test)`));
        };
      }
      return Reflect.get(target, name, receiver) as unknown;
    },
  });
}
