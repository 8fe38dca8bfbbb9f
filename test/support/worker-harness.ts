import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../../src/app/cli/run-cli.js';
import { loadConfig } from '../../src/config/load-config.js';
import { createSecrets } from '../../src/config/secrets.js';
import { createLogger } from '../../src/core/logger.js';
import type { Report } from '../../src/core/report.js';
import { createRedisClient, queueSettings, type RedisClient } from '../../src/store/redis-connection.js';
import { startWorker, type RunningWorker } from '../../src/app/worker/start-worker.js';
import type { SlackActionsOptions } from '../../src/app/worker/start-slack-actions.js';
import { gcoreToken, startGcoreStandIn, type GcoreStandIn } from './gcore-stand-in.js';
import { logSink } from './log-sink.js';
import { startSlackStandIn, type SlackStandIn } from './slack-stand-in.js';

export const KEY = '456_worker-test-gcore-key';

export interface Harness {
  readonly prefix: string;
  readonly env: Record<string, string>;
  readonly gcore: GcoreStandIn;
  readonly slack: SlackStandIn;
  readonly configPath: string;
  readonly logs: ReturnType<typeof logSink>;
  /** The test's own client, to the same Redis (or Redis Cluster) as the workers. */
  readonly redis: RedisClient;
  /** The workers' clock; tests move it. */
  now: Date;
  startWorker(overrides?: { redisUrl?: string; heartbeatMs?: number; heartbeatStaleMs?: number; gcoreMaxRetryAfterMs?: number; slackActions?: SlackActionsOptions }): Promise<RunningWorker>;
  /** `trigger --wait` in-process: the run's exit code and report. */
  trigger(extra?: string[]): Promise<{ code: number; report: Report | null; stdout: string }>;
  close(): Promise<void>;
}

/** `env`: more variables for the workers and trigger (REDIS_CLUSTER_NODES, REDIS_TLS_CA_FILE...). */
export async function workerHarness(
  options: { tokens?: number; config?: string; redisUrl?: string; prefix?: string; env?: Record<string, string> } = {},
): Promise<Harness> {
  const redisUrl = options.redisUrl ?? process.env.REDIS_URL ?? '';
  if (!redisUrl) {
    throw new Error('REDIS_URL is not set: the Jest global setup starts redis-server');
  }
  const prefix = options.prefix ?? `t${randomUUID().slice(0, 8)}`;
  const gcore = await startGcoreStandIn();
  const slack = await startSlackStandIn();
  gcore.keys.set(KEY, 456);
  const count = options.tokens ?? 5;
  gcore.accounts.set(456, new Map(Array.from({ length: count }, (_, i) => [101 + i, gcoreToken(101 + i, { exp_date: null })])));
  const dir = mkdtempSync(join(tmpdir(), 'worker-'));
  const configPath = join(dir, 'audit.yaml');
  // The sentinel's first sweep lists every account at start: off unless the test's configuration names it, so
  // tests counting list calls see only their runs' (in-process workers and spawned ones alike).
  const yaml = options.config ?? 'gcore: { concurrency: 4, retries: 1 }\naccounts: [{ clientId: 456 }]\n';
  writeFileSync(configPath, /^sentinel:/m.test(yaml) ? yaml : `${yaml}\nsentinel: false\n`);
  const env = {
    GCORE_API_URL: gcore.url,
    GCORE_API_KEY: KEY,
    SLACK_WEBHOOK_URL: slack.webhookUrl,
    REDIS_URL: redisUrl,
    QUEUE_PREFIX: prefix,
    LOG_LEVEL: 'warn',
    ...options.env,
  };
  const settings = queueSettings(env);
  const logs = logSink();
  const workers: RunningWorker[] = [];
  const redis = createRedisClient(settings);
  const harness: Harness = {
    prefix,
    env,
    gcore,
    slack,
    configPath,
    logs,
    redis,
    now: new Date('2026-11-29T12:00:00Z'),
    async startWorker(overrides = {}) {
      const secrets = createSecrets(env);
      const worker = await startWorker({
        config: loadConfig(configPath, env),
        secrets,
        logger: createLogger({ level: 'info', destination: logs, secrets: () => secrets.known() }),
        ...settings,
        redisUrl: overrides.redisUrl ?? redisUrl,
        prefix,
        healthPort: 0,
        clock: () => harness.now,
        heartbeatMs: overrides.heartbeatMs ?? 200,
        heartbeatStaleMs: overrides.heartbeatStaleMs ?? 5000,
        lockDurationMs: 5000,
        slack: { minIntervalMs: 50, baseDelayMs: 50 },
        gcoreRetryBaseDelayMs: 5,
        gcoreMaxRetryAfterMs: overrides.gcoreMaxRetryAfterMs,
        reportBackoffMs: 200,
        slackActions: overrides.slackActions,
      });
      workers.push(worker);
      return worker;
    },
    async trigger(extra = []) {
      const out: string[] = [];
      const code = await runCli(['trigger', '--wait', '--timeout', '30', ...extra], {
        stdout: { write: (s: string) => out.push(s) },
        env,
        logDestination: logs,
      });
      const stdout = out.join('');
      return { code, stdout, report: stdout.trim().startsWith('{"runId"') || !stdout.trim() ? null : (JSON.parse(stdout) as Report) };
    },
    async close() {
      await Promise.all(workers.map((w) => w.close(3000)));
      await redis.quit();
      await gcore.close();
      await slack.close();
    },
  };
  return harness;
}

/** The GET requests the Gcore stand-in saw for each token id. */
export function tokenReads(gcore: GcoreStandIn): Map<number, number> {
  const reads = new Map<number, number>();
  for (const r of gcore.requests) {
    const m = /^GET \/iam\/v2\/clients\/\d+\/tokens\/(\d+)$/.exec(r);
    if (m) {
      reads.set(Number(m[1]), (reads.get(Number(m[1])) ?? 0) + 1);
    }
  }
  return reads;
}
