import { setTimeout as sleep } from 'node:timers/promises';
import { readFileSync } from 'node:fs';
import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';
import type { Logger } from 'pino';
import { RedisUnavailableError, SecretError, UsageError } from '../core/errors.js';
import { within } from '../core/within.js';
import { withTimeout } from '../core/with-timeout.js';
import { describeRedisError, isPermanentRedisError, isRefusedRedisError } from './describe-redis-error.js';
import { createSecrets } from '../config/secrets.js';
import { maskRedisUrl, parseRedisUrl, redisUrlWithPassword, type RedisEndpoint } from './redis-url.js';

export { maskRedisUrl } from './redis-url.js';

export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';
export const DEFAULT_QUEUE_PREFIX = 'token-audit';
/** Under Redis Cluster every key must share one hash slot: the braces make `token-audit` the slot's hash tag. */
export const DEFAULT_CLUSTER_PREFIX = '{token-audit}';

/** One Redis, or a Redis Cluster: every command of ours takes either. */
export type RedisClient = Redis | Cluster;

export interface RedisNode {
  readonly host: string;
  readonly port: number;
}

/** Where the queues and alert state live, read once from the environment. */
export interface RedisSettings {
  /** REDIS_URL: the Redis, or under a cluster the credentials, TLS and database every node shares. */
  readonly redisUrl: string;
  /** REDIS_CLUSTER_NODES: empty for one Redis; else any of the cluster's nodes (the rest are discovered). */
  readonly clusterNodes: readonly RedisNode[];
  /** REDIS_TLS_CA_FILE's contents (PEM): a CA trusted beside the system's. */
  readonly tlsCa?: string;
  readonly prefix: string;
}

/** The text of a log line or error that names where Redis is, without its password. */
export function redisLabel(settings: Pick<RedisSettings, 'redisUrl' | 'clusterNodes'>): string {
  if (settings.clusterNodes.length > 0) {
    return `Redis Cluster (${settings.clusterNodes.map((n) => `${n.host}:${n.port}`).join(',')})`;
  }
  return `Redis at ${maskRedisUrl(settings.redisUrl)}`;
}

function parseClusterNodes(value: string): RedisNode[] {
  return value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map((entry, i) => {
      const m = /^(\[[0-9a-fA-F:.]+\]|[^\s:[\]/@]+):(\d{1,5})$/.exec(entry);
      const port = m ? Number(m[2]) : 0;
      if (!m || port < 1 || port > 65_535) {
        // By its place, never its text: environment values are not printed back.
        throw new UsageError(`REDIS_CLUSTER_NODES: expected host:port[,host:port...]; node ${i + 1} is not one`);
      }
      // The pattern lets brackets only around an IPv6 address: dropping every one unwraps it.
      return { host: m[1]!.replace(/[[\]]/g, ''), port };
    });
}

/** REDIS_URL, with the password of REDIS_PASSWORD or REDIS_PASSWORD_FILE (a Docker secret) when one is set. */
function redisUrlOf(env: NodeJS.ProcessEnv): string {
  const url = env.REDIS_URL || DEFAULT_REDIS_URL;
  parseRedisUrl(url); // throws UsageError naming REDIS_URL
  if (!env.REDIS_PASSWORD && !env.REDIS_PASSWORD_FILE) {
    return url;
  }
  try {
    return redisUrlWithPassword(url, createSecrets(env).get('REDIS_PASSWORD'));
  } catch (error) {
    throw error instanceof SecretError ? new UsageError(error.message) : error;
  }
}

/**
 * REDIS_URL (and REDIS_PASSWORD or its _FILE), REDIS_CLUSTER_NODES, REDIS_TLS_CA_FILE and QUEUE_PREFIX,
 * validated: a bad value is a usage error (exit 2) naming the variable, never a connection that fails later.
 */
export function queueSettings(env: NodeJS.ProcessEnv): RedisSettings {
  const redisUrl = redisUrlOf(env);
  const clusterNodes = env.REDIS_CLUSTER_NODES ? parseClusterNodes(env.REDIS_CLUSTER_NODES) : [];
  if (env.REDIS_CLUSTER_NODES && clusterNodes.length === 0) {
    throw new UsageError('REDIS_CLUSTER_NODES: expected host:port[,host:port...], got no node');
  }
  const prefix = env.QUEUE_PREFIX || (clusterNodes.length > 0 ? DEFAULT_CLUSTER_PREFIX : DEFAULT_QUEUE_PREFIX);
  if (clusterNodes.length > 0 && !/\{[^{}]+\}/.test(prefix)) {
    throw new UsageError(
      'QUEUE_PREFIX: under Redis Cluster the prefix needs a hash tag in braces, e.g. "{token-audit}", so every key of the queues and alert state shares one hash slot (multi-key commands fail with CROSSSLOT otherwise)',
    );
  }
  let tlsCa: string | undefined;
  if (env.REDIS_TLS_CA_FILE) {
    try {
      tlsCa = readFileSync(env.REDIS_TLS_CA_FILE, 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
      throw new UsageError(`REDIS_TLS_CA_FILE names a file that cannot be read (${code})`);
    }
    if (!tlsCa.includes('-----BEGIN CERTIFICATE-----')) {
      throw new UsageError('REDIS_TLS_CA_FILE: expected PEM certificates, found none in the file');
    }
  }
  return { redisUrl, clusterNodes, prefix, ...(tlsCa === undefined ? {} : { tlsCa }) };
}

// Reconnects back off up to 2 s: a worker that lost Redis is back within about that of its return. (2 ** times
// grows to Infinity, never NaN: the cap holds for any count.)
const retryStrategy = (times: number) => Math.min(100 * 2 ** times, 2000);

function nodeOptions(endpoint: RedisEndpoint, tlsCa: string | undefined): RedisOptions {
  return {
    // Unset, ioredis fills in its own defaults (an undefined option counts as not given).
    username: endpoint.username,
    password: endpoint.password,
    ...(endpoint.tls ? { tls: tlsCa === undefined ? {} : { ca: [tlsCa] } } : {}),
    // BullMQ: commands wait for a reconnection instead of failing after 20 retries (workers need this).
    maxRetriesPerRequest: null,
    enableReadyCheck: true,
  };
}

/**
 * A client as BullMQ needs it: one Redis, or an ioredis Cluster with BullMQ's recommended options
 * (maxRetriesPerRequest null on every node; MOVED/ASK, TRYAGAIN and CLUSTERDOWN retried while slots move or
 * a replica takes over). Connects lazily on the first command.
 */
export function createRedisClient(settings: Pick<RedisSettings, 'redisUrl' | 'clusterNodes' | 'tlsCa'>): RedisClient {
  const endpoint = parseRedisUrl(settings.redisUrl);
  const options = nodeOptions(endpoint, settings.tlsCa);
  if (settings.clusterNodes.length === 0) {
    return new Redis({ host: endpoint.host, port: endpoint.port, db: endpoint.db, ...options, retryStrategy });
  }
  // A cluster has only database 0; a node that is lost is not reconnected to: ioredis follows MOVED to
  // whichever node took its slots over.
  const clusterOptions: ClusterOptions = {
    redisOptions: options,
    // Managed clusters (ElastiCache, Memorystore) announce nodes by name behind TLS: keep the names for SNI.
    dnsLookup: (address, callback) => callback(null, address),
    clusterRetryStrategy: retryStrategy,
    retryDelayOnFailover: 200,
    retryDelayOnClusterDown: 200,
    retryDelayOnTryAgain: 200,
    // A failover or a migration can take several seconds: keep following MOVED/ASK/TRYAGAIN that long.
    maxRedirections: 64,
    slotsRefreshTimeout: 2000,
    enableReadyCheck: true,
  };
  return new Cluster(
    settings.clusterNodes.map((n) => ({ host: n.host, port: n.port })),
    clusterOptions,
  );
}

/** A key in the prefix's hash slot: reading it proves the node that owns the slot answers, not just any node. */
export const probeKey = (prefix: string) => `${prefix}:probe`;

/** The variable that says where Redis is: the one to fix when it cannot be reached. */
export const redisVariable = (settings: Pick<RedisSettings, 'clusterNodes'>) => (settings.clusterNodes.length > 0 ? 'REDIS_CLUSTER_NODES' : 'REDIS_URL');

export interface WaitOptions {
  readonly timeoutMs: number;
  /**
   * After this many connection attempts refused in a row, give up at once: nothing listens there, and a
   * person at a terminal should not wait out the timeout to hear it. The worker leaves it unset (it waits
   * for Redis to come up). A refusal is retried about 200 ms later, so 2 is said well within 1 s; one alone
   * could be a Redis restarting.
   */
  readonly refusalsFinal?: number;
}

/**
 * Bounded: resolves once the owner of the prefix's slot answers; rejects with RedisUnavailableError naming
 * where Redis is (password masked), the variable that says so and Redis's own error (WRONGPASS, NOAUTH, a
 * TLS failure...) at once when it is one that waiting cannot cure, else after `timeoutMs`.
 */
export async function waitForRedis(
  client: RedisClient,
  settings: Pick<RedisSettings, 'redisUrl' | 'clusterNodes' | 'prefix'>,
  wait: number | WaitOptions,
): Promise<void> {
  // Without refusalsFinal no count of refusals is final.
  const { timeoutMs, refusalsFinal = Infinity } = typeof wait === 'number' ? { timeoutMs: wait } : wait;
  let lastError: unknown;
  let refusals = 0;
  let fail: (error: unknown) => void = () => undefined;
  const failed = new Promise<never>((_, reject) => (fail = reject));
  failed.catch(() => undefined);
  const onError = (error: unknown) => {
    lastError = error;
    refusals = isRefusedRedisError(error) ? refusals + 1 : 0;
    if (isPermanentRedisError(error) || refusals >= refusalsFinal) {
      fail(error);
    }
  };
  client.on('error', onError);
  // A wrong password answers the command itself with an error: that is final too. Any error of the probe ends
  // the wait (said as the last error); the worker's start tries again.
  const answered = client.exists(probeKey(settings.prefix)).then(
    () => true,
    (error: unknown) => {
      onError(error);
      return false;
    },
  );
  try {
    // Answered, or not: in time and without a final error. Only what went wrong is said, from lastError.
    const outcome = await withTimeout(Promise.race([answered, failed]), timeoutMs, () => false).catch(() => false);
    if (outcome) {
      return;
    }
    const why = lastError === undefined ? `no answer within ${timeoutMs / 1000} s` : describeRedisError(lastError, settings.redisUrl);
    throw new RedisUnavailableError(`${redisLabel(settings)} (${redisVariable(settings)}): ${why}`, { cause: lastError });
  } finally {
    client.off('error', onError);
  }
}

export interface RedisConnection {
  readonly client: RedisClient;
  readonly prefix: string;
  readonly settings: RedisSettings;
  /** Closes the client without waiting on a Redis that may never answer. */
  close(): Promise<void>;
}

/**
 * What every command that opens Redis calls: the settings from the environment (usage errors exit 2), a
 * client (one Redis or a Cluster) and a bounded readiness check (RedisUnavailableError, exit 5): a
 * connection refused twice in a row (within a second) is final, anything else waits `timeoutMs`.
 * Connection errors are logged once each, as one line with the password masked.
 */
export async function connectRedis(env: NodeJS.ProcessEnv, logger: Logger, options: { timeoutMs?: number } = {}): Promise<RedisConnection> {
  const settings = queueSettings(env);
  const client = createRedisClient(settings);
  let last = '';
  client.on('error', (error: unknown) => {
    const line = describeRedisError(error, settings.redisUrl);
    if (line !== last) {
      last = line;
      logger.debug({ redis: redisLabel(settings) }, `Redis: ${line}`);
    }
  });
  const connection: RedisConnection = {
    client,
    prefix: settings.prefix,
    settings,
    async close() {
      await within(client.quit(), 1000);
      client.disconnect();
    },
  };
  try {
    // A command run by a person: a refused connection is said at once, not after the timeout.
    await waitForRedis(client, settings, { timeoutMs: options.timeoutMs ?? 10_000, refusalsFinal: 2 });
  } catch (error) {
    client.disconnect();
    throw error;
  }
  return connection;
}

/** BullMQ loses jobs if Redis evicts keys: say so at start when the policy is not noeviction. */
export async function warnUnlessNoEviction(redis: RedisClient, logger: Logger): Promise<void> {
  try {
    const reply = (await redis.config('GET', 'maxmemory-policy')) as string[];
    const policy = reply?.[1];
    if (policy !== undefined && policy !== 'noeviction') {
      logger.warn({ policy }, `Redis maxmemory-policy is "${policy}": set it to "noeviction", or queued audits and alert state can be lost`);
    }
  } catch (error) {
    logger.warn({ err: error }, 'could not read Redis maxmemory-policy (CONFIG may be disabled): make sure it is "noeviction"');
  }
}

/**
 * The worker's start: waits for Redis as long as it takes, logging each distinct problem (a wrong password,
 * a TLS failure, no answer) as one error line with the password masked, and trying again every few seconds.
 */
export async function retryUntilRedisAnswers(client: RedisClient, settings: Pick<RedisSettings, 'redisUrl' | 'clusterNodes' | 'prefix'>, logger: Logger): Promise<void> {
  let last = '';
  for (let attempt = 1; ; attempt += 1) {
    try {
      await waitForRedis(client, settings, 10_000);
      if (attempt > 1) {
        logger.info({ redis: redisLabel(settings) }, 'Redis answers');
      }
      return;
    } catch (error) {
      if (!(error instanceof RedisUnavailableError)) {
        throw error;
      }
      if (error.message !== last) {
        last = error.message;
        logger.error({ code: error.code, attempt }, `${error.message}; retrying until it answers`);
      }
      await sleep(2000);
    }
  }
}
