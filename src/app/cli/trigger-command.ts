import type { Logger } from 'pino';
import { atLeast, type Severity } from '../../core/severity.js';
import { UsageError } from '../../core/errors.js';
import { createRunStore, type RunRecord } from '../../store/run-store.js';
import { createAuditQueues } from '../../store/audit-queues.js';
import { within } from '../../core/within.js';
import { withTimeout } from '../../core/with-timeout.js';
import { EXIT } from './exit-codes.js';
import { connectRedis } from '../../store/redis-connection.js';
import { printReport, slackLine } from './report-command.js';
import { webhookHolder } from './describe-slack-failure.js';

/** A day: longer is surely a mistake, and Node's timers overflow past about 24.8 days. */
export const MAX_TIMEOUT_S = 86_400;

export interface TriggerFlags {
  readonly wait: boolean;
  readonly timeout: string;
  readonly failOn?: Severity;
  /** With --wait: how the report is printed. */
  readonly format: 'table' | 'wide' | 'json';
}

/**
 * Enqueues a run now; with --wait, prints its report as `audit --format json|table` does, ends with a line on
 * stderr saying what Slack got, and exits as `audit` would.
 */
export async function triggerCommand(
  flags: TriggerFlags,
  io: { env: NodeJS.ProcessEnv; logger: Logger; stdout: { write(s: string): unknown }; stderr: { write(s: string): unknown } },
): Promise<number> {
  const timeoutS = Number(flags.timeout);
  if (!Number.isFinite(timeoutS) || timeoutS <= 0 || timeoutS > MAX_TIMEOUT_S) {
    throw new UsageError(`--timeout: expected seconds, more than 0 and at most ${MAX_TIMEOUT_S}, got ${JSON.stringify(flags.timeout.slice(0, 32))}`);
  }
  // Bounded: a Redis that does not answer, or refuses us, is a RedisUnavailableError (exit 5).
  const connection = await connectRedis(io.env, io.logger, { timeoutMs: Math.min(timeoutS, 10) * 1000 });
  const { client: redis, prefix } = connection;
  const queues = createAuditQueues(redis, prefix);
  const store = createRunStore(redis, prefix);
  const subscriber = redis.duplicate();
  subscriber.on('error', () => undefined);
  try {
    if (!flags.wait) {
      const runKey = await queues.triggerRun();
      io.stdout.write(`${JSON.stringify({ runId: runKey })}\n`);
      return EXIT.ok;
    }
    // Subscribe before enqueueing, so the announcement cannot be missed.
    let runKey = '';
    const done = new Promise<void>((resolve) => {
      subscriber.on('message', (_channel, message: string) => {
        if (message === runKey) {
          resolve();
        }
      });
    });
    await subscriber.subscribe(store.doneChannel);
    runKey = await queues.triggerRun();
    io.logger.info({ runId: runKey }, 'run enqueued; waiting for its report');
    const outcome = await withTimeout(done, timeoutS * 1000, () => 'timeout' as const);
    const record: RunRecord | null = outcome === 'timeout' ? null : await store.getRun(runKey);
    // What went wrong outside (no worker, Slack) is said in plain lines, as usage errors are.
    if (!record) {
      io.stderr.write(`gcore-token-audit: no report within ${timeoutS} s: is a worker running?\n`);
      return EXIT.timeout;
    }
    await printReport(io.stdout, record, flags.format);
    if (record.report.summary.accounts === 0) {
      for (const w of record.report.warnings.length > 0 ? record.report.warnings : ['no account could be enumerated']) {
        io.stderr.write(`gcore-token-audit: nothing was audited: ${w}\n`);
      }
      return EXIT.usage;
    }
    io.stderr.write(`${slackLine(record)}\n`);
    if (record.delivery === 'failed' || record.delivery === 'pending') {
      for (const r of record.routes.filter((x) => x.state !== 'delivered')) {
        const holder = webhookHolder(r.route, undefined);
        io.stderr.write(`gcore-token-audit: the digest for ${holder} was not delivered (${r.error ?? 'not posted yet'}): it stays queued in Redis and a worker retries it\n`);
      }
      return EXIT.notify;
    }
    const failOn = flags.failOn;
    if (failOn !== undefined && record.report.findings.some((f) => !f.muted && atLeast(f.severity, failOn))) {
      return EXIT.failOn;
    }
    return EXIT.ok;
  } finally {
    subscriber.disconnect();
    await within(queues.close(), 1000); // with Redis gone it may never settle
    await connection.close();
  }
}
