import { readFileSync } from 'node:fs';
import type { Logger } from 'pino';
import { atLeast, type Severity } from '../core/severity.js';
import { SecretError, SlackRejectedError, SlackUnavailableError, UsageError } from '../core/errors.js';
import type { Report } from '../core/report.js';
import type { AccountConfig, Config } from '../config/config.js';
import type { Secrets } from '../config/secrets.js';
import { createExportApi } from '../gcore/export-api.js';
import { createGcoreApi } from '../gcore/create-gcore-api.js';
import { createRequestLimiter } from '../gcore/request-limiter.js';
import type { GcoreApi } from '../gcore/gcore-api.js';
import { runAudit } from '../pipeline/run-audit.js';
import { formatTable } from '../report/format-table.js';
import { digestForReport } from '../slack/digest-for-report.js';
import { createSlackNotifier, type SlackNotifierOptions } from '../slack/slack-notifier.js';
import { EXIT } from './exit-codes.js';

export interface AuditFlags {
  readonly format: 'table' | 'json';
  readonly notify: boolean;
  readonly failOn?: Severity;
  readonly input?: string;
  readonly now?: string;
  readonly slackPreview: boolean;
}

export interface AuditIo {
  readonly stdout: { write(text: string): unknown };
  readonly logger: Logger;
  readonly secrets: Secrets;
  readonly clock: () => Date;
  /** Test seams for the Slack notifier (fetch, sleep, pacing). */
  readonly slack?: Partial<SlackNotifierOptions>;
  /** Test seam: shorter Gcore backoff. */
  readonly gcoreRetryBaseDelayMs?: number;
}

function parseNow(text: string): Date {
  if (!/^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:\d{2}))?$/.test(text) || Number.isNaN(Date.parse(text))) {
    throw new UsageError(`--now: expected an ISO date or timestamp with a zone (2026-11-29T12:00:00Z), got ${JSON.stringify(text)}`);
  }
  return new Date(text);
}

/** With --input the export decides which accounts exist; the configuration adds inventory and owners. */
function exportSource(path: string, config: Config): { api: GcoreApi; config: Config; secrets: Secrets } {
  let document: unknown;
  try {
    document = JSON.parse(readFileSync(path, 'utf8')) as unknown;
  } catch (error) {
    const why = error instanceof SyntaxError ? 'not valid JSON' : ((error as NodeJS.ErrnoException).code ?? 'unreadable');
    throw new UsageError(`--input ${path}: ${why}`);
  }
  let exported;
  try {
    exported = createExportApi(document);
  } catch (error) {
    throw new UsageError(`--input ${path}: ${(error as Error).message}`);
  }
  const accounts: AccountConfig[] = exported.clientIds.map(
    (clientId) =>
      config.accounts.find((a) => a.clientId === clientId) ?? { clientId, apiKeyEnv: 'EXPORT', discover: true, tokens: [] },
  );
  // An export needs no key: every account "has" one.
  const secrets: Secrets = { get: () => 'export', known: () => [] };
  // An export is the operator's own file, not a live answer: gcore.maxTokensPerAccount does not bound it.
  const gcore = { ...config.gcore, maxTokensPerAccount: Number.MAX_SAFE_INTEGER };
  return { api: exported.api, config: { ...config, gcore, accounts }, secrets };
}

export async function auditCommand(config: Config, flags: AuditFlags, io: AuditIo): Promise<number> {
  const evaluateAt = flags.now === undefined ? undefined : parseNow(flags.now);
  if (flags.slackPreview && flags.format === 'json') {
    throw new UsageError('--slack-preview prints after the table: it cannot be combined with --format json');
  }
  let webhookUrl: string | undefined;
  if (flags.notify) {
    try {
      webhookUrl = io.secrets.get('SLACK_WEBHOOK_URL');
    } catch (error) {
      if (error instanceof SecretError) {
        throw new UsageError(`--notify needs the Slack webhook: ${error.message}`);
      }
      throw error;
    }
    if (!URL.canParse(webhookUrl) || !/^https?:/.test(webhookUrl)) {
      throw new UsageError('SLACK_WEBHOOK_URL is not an http(s) URL');
    }
  }

  let source: { api: GcoreApi; config: Config; secrets: Secrets };
  if (flags.input !== undefined) {
    source = exportSource(flags.input, config);
  } else {
    const limiter = createRequestLimiter({
      concurrency: config.gcore.concurrency,
      ratePerSecond: config.gcore.ratePerSecond ?? undefined,
    });
    const api = createGcoreApi({ ...config.gcore, limiter, retryBaseDelayMs: io.gcoreRetryBaseDelayMs });
    source = { api, config, secrets: io.secrets };
  }

  const report: Report = await runAudit(source.config, {
    api: source.api,
    secrets: source.secrets,
    logger: io.logger,
    clock: io.clock,
    evaluateAt,
  });
  io.stdout.write(flags.format === 'json' ? `${JSON.stringify(report, null, 2)}\n` : formatTable(report));

  if (report.summary.accounts === 0) {
    io.logger.error({ warnings: report.warnings }, 'no account could be audited');
    return EXIT.usage;
  }

  const minSeverity = config.notify.slack.minSeverity;
  if (flags.slackPreview) {
    const messages = digestForReport(report, minSeverity);
    io.stdout.write(`\nSlack message${messages.length === 1 ? '' : 's'} that --notify would post:\n`);
    io.stdout.write(`${JSON.stringify(messages, null, 2)}\n`);
  }

  let exitCode: number = EXIT.ok;
  if (flags.failOn !== undefined && report.findings.some((f) => !f.muted && atLeast(f.severity, flags.failOn as Severity))) {
    exitCode = EXIT.failOn;
  }
  if (webhookUrl !== undefined) {
    const messages = digestForReport(report, minSeverity);
    if (messages.length === 0) {
      io.logger.info('nothing to notify: no unmuted finding at or above the minimum severity');
    } else {
      const notifier = createSlackNotifier({ webhookUrl, ...io.slack });
      try {
        await notifier.send(messages, (i) => io.logger.info({ part: i + 1, of: messages.length }, 'Slack message delivered'));
      } catch (error) {
        if (error instanceof SlackRejectedError || error instanceof SlackUnavailableError) {
          io.logger.error({ err: error }, `findings not delivered to Slack: ${error.message}`);
          return EXIT.notify;
        }
        throw error;
      }
    }
  }
  return exitCode;
}
