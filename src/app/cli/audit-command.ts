import { readFileSync } from 'node:fs';
import type { Logger } from 'pino';
import { atLeast, type Severity } from '../../core/severity.js';
import { SecretNotSetError, UsageError } from '../../core/errors.js';
import { parseDateOrInstant } from '../../core/parse-iso-date.js';
import { showValue } from '../../config/format-issues.js';
import type { Report, TokenResult } from '../../core/report.js';
import type { AccountConfig, Config } from '../../config/config.js';
import type { Secrets } from '../../config/secrets.js';
import { createExportApi } from '../../gcore/export-api.js';
import { createGcoreApi } from '../../gcore/create-gcore-api.js';
import { createRequestLimiter } from '../../gcore/request-limiter.js';
import type { GcoreApi } from '../../gcore/gcore-api.js';
import { runAudit } from '../../run/run-audit.js';
import { loadDirectory } from '../../config/load-directory.js';
import { EXIT } from './exit-codes.js';
import type { SlackNotifierOptions } from '../../alerts/slack/slack-notifier.js';
import type { ReportFormat } from './audit-output.js';
import { watchKeys, type KeyProblem } from './watch-keys.js';

export interface AuditFlags {
  /** wide: the table with every column whole. */
  readonly format: ReportFormat;
  /** Write the report here (atomically) instead of stdout. */
  readonly output?: string;
  /** Write the run's evidence folder under this directory. */
  readonly evidence?: string;
  readonly notify: boolean;
  readonly failOn?: Severity;
  readonly input?: string;
  readonly now?: string;
  /** true or 'text': readable; 'json': one payload a line, for Block Kit Builder. */
  readonly slackPreview: boolean | string;
}

export interface AuditIo {
  readonly stdout: { write(text: string): unknown };
  /** Plain lines for a person: a key to fix, a webhook Slack rejected. */
  readonly stderr: { write(text: string): unknown };
  readonly logger: Logger;
  readonly secrets: Secrets;
  readonly clock: () => Date;
  /** Test seams for the Slack notifier (fetch, sleep, pacing). */
  readonly slack?: Partial<SlackNotifierOptions>;
  /** Test seam: shorter Gcore backoff. */
  readonly gcoreRetryBaseDelayMs?: number;
  /** The product's version, for the evidence manifest. */
  readonly version?: string;
}

export function parseNow(text: string): Date {
  const parsed = parseDateOrInstant(text);
  if (parsed === null) {
    throw new UsageError(`--now: expected a real date (2026-11-29) or a timestamp with a zone (2026-11-29T12:00:00Z), got ${showValue(text)}`);
  }
  return parsed.instant;
}

/**
 * Every account's key, read before the first request: a key variable set wrongly (both forms, a FIFO...) is
 * an error at once; when no account has its key, nothing could be audited and the run is not started.
 */
export function readKeys(config: Config, secrets: Secrets): void {
  const notSet: string[] = [];
  const names = [...new Set(config.accounts.map((a) => a.apiKeyEnv))];
  for (const name of names) {
    try {
      secrets.get(name);
    } catch (error) {
      if (error instanceof SecretNotSetError) {
        notSet.push(error.variable);
      } else {
        throw error;
      }
    }
  }
  if (notSet.length === names.length) {
    throw new UsageError(notSet.map((name) => `nothing was audited: ${name} is not set`).join('\n'));
  }
}

/** With --input the export decides which accounts exist; the configuration adds inventory and owners. */
export function exportSource(path: string, config: Config): { api: GcoreApi; config: Config; secrets: Secrets } {
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
      config.accounts.find((a) => a.clientId === clientId) ?? { clientId, name: null, apiKeyEnv: 'EXPORT', discover: true, tokens: [] },
  );
  // An export needs no key: every account "has" one.
  const secrets: Secrets = { get: () => 'export', known: () => [] };
  // An export is the operator's own file, not a live answer: gcore.maxTokensPerAccount does not bound it.
  const gcore = { ...config.gcore, maxTokensPerAccount: Number.MAX_SAFE_INTEGER };
  return { api: exported.api, config: { ...config, gcore, accounts }, secrets };
}

export async function auditCommand(config: Config, flags: AuditFlags, io: AuditIo): Promise<number> {
  const evaluateAt = flags.now === undefined ? undefined : parseNow(flags.now);
  const preview = flags.slackPreview === false ? null : flags.slackPreview === true ? 'text' : flags.slackPreview;
  if (preview !== null && preview !== 'text' && preview !== 'json') {
    throw new UsageError(`--slack-preview: expected text or json, got ${JSON.stringify(preview).slice(0, 20)}`);
  }
  if (preview !== null && (flags.format === 'json' || flags.format === 'csv')) {
    throw new UsageError(`--slack-preview prints after the table: it cannot be combined with --format ${flags.format}`);
  }
  // Read before the audit: a key that cannot be read costs no API calls.
  const signingKey = flags.evidence === undefined ? null : await usableSigningKey(io.secrets);
  // Every webhook is read and checked before the audit, so a missing one costs no API calls.
  const webhooks = flags.notify
    ? (await import('../../alerts/slack/route-webhooks.js')).routeWebhooks(config.notify.slack, io.secrets, '--notify needs the Slack webhook')
    : null;

  let source: { api: GcoreApi; config: Config; secrets: Secrets };
  let keys: ReturnType<typeof watchKeys> | null = null;
  if (flags.input !== undefined) {
    source = exportSource(flags.input, config);
  } else {
    readKeys(config, io.secrets);
    const limiter = createRequestLimiter({
      concurrency: config.gcore.concurrency,
      ratePerSecond: config.gcore.ratePerSecond ?? undefined,
    });
    keys = watchKeys(createGcoreApi({ ...config.gcore, limiter, retryBaseDelayMs: io.gcoreRetryBaseDelayMs }));
    source = { api: keys.api, config, secrets: io.secrets };
  }

  const directory = await loadDirectory(source.config.issuers?.directory ?? null, { secrets: io.secrets });
  if (directory.problem !== null) {
    io.logger.warn(directory.problem);
  }
  let results: readonly TokenResult[] = [];
  const auditing = runAudit(source.config, {
    api: source.api,
    secrets: source.secrets,
    logger: io.logger,
    clock: io.clock,
    evaluateAt,
    directory,
    ...(flags.evidence === undefined ? {} : { onResults: (r: readonly TokenResult[]) => (results = r), keepSnapshots: false, rows: true }),
  });
  // What only the end needs (the report's formats, the evidence folder, Slack) is loaded while the first
  // requests are out, not before them: about 25 ms of CPU off the start.
  const loading = import('./audit-output.js');
  loading.catch(() => undefined); // awaited below, after the audit (whose own error comes first)
  const report: Report = await auditing;
  const output = await loading;
  const problems: KeyProblem[] = keys === null ? [] : await keys.problems(source.config.accounts, source.secrets);
  // A security tool never prints "No findings." for a run that saw nothing: no report, only why.
  if (report.summary.accounts === 0) {
    const why = problems.length > 0 ? problems.map((p) => p.line) : report.warnings.length > 0 ? report.warnings : ['no account could be enumerated'];
    throw new UsageError(why.map((w) => `nothing was audited: ${w}`).join('\n'));
  }
  const notAudited = notAuditedAccounts(source.config.accounts.length - report.summary.accounts, problems);
  await output.writeReport(report, { format: flags.format, output: flags.output, notAudited }, io.stdout);
  if (flags.evidence !== undefined) {
    await output.auditEvidence(flags.evidence, { report, results, config: source.config, signingKey }, io);
  }
  for (const p of problems) {
    io.stderr.write(`gcore-token-audit: ${p.line}: ${p.clientId === null ? `the account of ${p.apiKeyEnv}` : `account ${p.clientId}`} was not audited\n`);
  }

  const digests = preview !== null || webhooks !== null ? output.reportDigests(report, config) : [];
  if (preview !== null) {
    output.printPreview(digests, preview, io.stdout);
  }

  let exitCode: number = EXIT.ok;
  if (flags.failOn !== undefined && report.findings.some((f) => !f.muted && atLeast(f.severity, flags.failOn as Severity))) {
    exitCode = EXIT.failOn;
  }
  // Over 3: the findings --fail-on judged are those of the accounts that could be read, not of all of them.
  if (notAudited !== null) {
    exitCode = EXIT.partial;
  }
  if (webhooks !== null && !(await output.notify(digests, webhooks, config, io))) {
    return EXIT.notify;
  }
  return exitCode;
}

/** The signing key, read and tried before the audit: a key that cannot sign costs no API calls. */
async function usableSigningKey(secrets: Secrets): Promise<string | null> {
  const { evidenceSigningKey } = await import('../../run/run-evidence.js');
  const signingKey = evidenceSigningKey(secrets);
  if (signingKey !== null) {
    const { signManifest } = await import('../../run/write-evidence.js');
    try {
      signManifest('', signingKey);
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
  }
  return signingKey;
}

/** The summary's `N accounts not audited: key rejected`; null when every account was audited. */
export function notAuditedAccounts(count: number, problems: readonly KeyProblem[]): { count: number; reasons: string[] } | null {
  if (count <= 0) {
    return null;
  }
  const reasons = [...new Set(problems.map((p) => p.reason))];
  // Accounts lost for another reason (Gcore unreachable...): the warnings below the table say which.
  if (problems.length < count) {
    reasons.push('see the warnings');
  }
  return { count, reasons };
}
