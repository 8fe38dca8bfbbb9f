import { readFileSync } from 'node:fs';
import type { Logger } from 'pino';
import { atLeast, type Severity } from '../../core/severity.js';
import { EvidenceWriteError, SecretNotSetError, SlackRejectedError, SlackUnavailableError, UsageError } from '../../core/errors.js';
import { parseDateOrInstant } from '../../core/parse-iso-date.js';
import { showValue } from '../../config/format-issues.js';
import type { Report, TokenResult } from '../../core/report.js';
import { formatFindingsCsv } from '../../core/finding-csv.js';
import { signManifest, writeEvidence } from '../../run/write-evidence.js';
import { evidenceSigningKey } from '../../run/run-evidence.js';
import { toOutput } from './output-file.js';
import type { AccountConfig, Config } from '../../config/config.js';
import type { Secrets } from '../../config/secrets.js';
import { createExportApi } from '../../gcore/export-api.js';
import { createGcoreApi } from '../../gcore/create-gcore-api.js';
import { createRequestLimiter } from '../../gcore/request-limiter.js';
import type { GcoreApi } from '../../gcore/gcore-api.js';
import { runAudit } from '../../run/run-audit.js';
import { loadDirectory } from '../../config/load-directory.js';
import { formatTable } from '../report/format-table.js';
import { jsonChunks, writeJson } from '../report/json-chunks.js';
import { planNotice } from '../../alerts/plan-notice.js';
import type { RouteMessages } from '../../alerts/slack/digest-messages.js';
import { previewHeading, previewJson, previewMessages } from '../../alerts/slack/preview-messages.js';
import { routeWebhooks } from '../../alerts/slack/route-webhooks.js';
import { createSlackNotifier, type SlackNotifierOptions } from '../../alerts/slack/slack-notifier.js';
import { EXIT } from './exit-codes.js';
import { describeSlackFailure, webhookHolder } from './describe-slack-failure.js';
import { watchKeys, type KeyProblem } from './watch-keys.js';

export interface AuditFlags {
  /** wide: the table with every column whole. */
  readonly format: 'table' | 'wide' | 'json' | 'csv';
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


/** The one-shot digest of each route: everything open is told (no memory of earlier runs), within the budget. */
export function reportDigests(report: Report, config: Config): RouteMessages[] {
  return planNotice({
    run: { id: report.runId, trigger: 'audit' },
    previous: new Map(),
    findings: report.findings,
    results: [],
    settings: config.notify.slack,
    now: new Date(report.evaluatedAt),
  }).digests;
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
  const signingKey = flags.evidence === undefined ? null : evidenceSigningKey(io.secrets);
  if (signingKey !== null) {
    try {
      signManifest('', signingKey);
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
  }
  // Every webhook is read and checked before the audit, so a missing one costs no API calls.
  const webhooks = flags.notify ? routeWebhooks(config.notify.slack, io.secrets, '--notify needs the Slack webhook') : null;

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
  const report: Report = await runAudit(source.config, {
    api: source.api,
    secrets: source.secrets,
    logger: io.logger,
    clock: io.clock,
    evaluateAt,
    directory,
    ...(flags.evidence === undefined ? {} : { onResults: (r: readonly TokenResult[]) => (results = r), keepSnapshots: false, rows: true }),
  });
  const problems: KeyProblem[] = keys === null ? [] : await keys.problems(source.config.accounts, source.secrets);
  // A security tool never prints "No findings." for a run that saw nothing: no report, only why.
  if (report.summary.accounts === 0) {
    const why = problems.length > 0 ? problems.map((p) => p.line) : report.warnings.length > 0 ? report.warnings : ['no account could be enumerated'];
    throw new UsageError(why.map((w) => `nothing was audited: ${w}`).join('\n'));
  }
  const notAudited = notAuditedAccounts(source.config.accounts.length - report.summary.accounts, problems);
  await toOutput(flags.output, io.stdout, async (out) => {
    if (flags.format === 'json') {
      await writeJson(out, report);
    } else if (flags.format === 'csv') {
      out.write(formatFindingsCsv(report.findings));
    } else {
      out.write(formatTable(report, { wide: flags.format === 'wide', notAudited }));
    }
  });
  if (flags.evidence !== undefined) {
    await auditEvidence(flags.evidence, { report, results, config: source.config, signingKey }, io);
  }
  for (const p of problems) {
    io.stderr.write(`gcore-token-audit: ${p.line}: ${p.clientId === null ? `the account of ${p.apiKeyEnv}` : `account ${p.clientId}`} was not audited\n`);
  }

  const digests = preview !== null || webhooks !== null ? reportDigests(report, config) : [];
  if (preview !== null) {
    if (digests.length === 0) {
      io.stdout.write('\nSlack: --notify would post nothing (no unmuted finding at or above the minimum severity).\n');
    }
    for (const d of digests) {
      io.stdout.write(`\n${previewHeading('--notify', d)}\n\n`);
      io.stdout.write(preview === 'json' ? previewJson(d.messages) : previewMessages(d.messages));
    }
  }

  let exitCode: number = EXIT.ok;
  if (flags.failOn !== undefined && report.findings.some((f) => !f.muted && atLeast(f.severity, flags.failOn as Severity))) {
    exitCode = EXIT.failOn;
  }
  // Over 3: the findings --fail-on judged are those of the accounts that could be read, not of all of them.
  if (notAudited !== null) {
    exitCode = EXIT.partial;
  }
  if (webhooks !== null) {
    if (digests.length === 0) {
      io.logger.info('nothing to notify: no unmuted finding at or above the minimum severity');
    }
    let undelivered = false;
    for (const d of digests) {
      const webhookUrl = webhooks.get(d.route);
      if (webhookUrl === undefined) {
        continue; // unreachable: routeWebhooks reads every route a finding can take
      }
      const notifier = createSlackNotifier({ webhookUrl, ...io.slack });
      let posted = 0;
      try {
        await notifier.send(d.messages, (i) => {
          posted = i + 1;
          io.logger.info({ route: d.route, part: i + 1, of: d.messages.length }, 'Slack message delivered');
        });
      } catch (error) {
        if (error instanceof SlackRejectedError || error instanceof SlackUnavailableError) {
          // For a person, not a log: which variable holds the webhook, Slack's answer, no stack.
          const holder = webhookHolder(d.route, config.notify.slack.routes.find((r) => r.name === d.route)?.webhookEnv);
          const kept = 'audit keeps nothing queued: run it again once fixed';
          io.stderr.write(`gcore-token-audit: ${describeSlackFailure(error, holder, { posted, messages: d.messages.length }, kept)}\n`);
          undelivered = true;
          continue; // the other routes still get theirs
        }
        throw error;
      }
    }
    if (undelivered) {
      return EXIT.notify;
    }
  }
  return exitCode;
}

/** The evidence folder of a one-shot audit: a failure is said and logged, and the audit's exit code stands. */
async function auditEvidence(
  dir: string,
  run: { report: Report; results: readonly TokenResult[]; config: Config; signingKey: string | null },
  io: AuditIo,
): Promise<void> {
  const accountNames = new Map(run.config.accounts.flatMap((a) => (a.clientId !== null && a.name ? [[a.clientId, a.name] as const] : [])));
  try {
    const path = await writeEvidence(
      { report: run.report, results: run.results, accountNames, mutes: run.config.mutes, policy: run.config.policy, version: io.version ?? 'unknown' },
      { dir, signingKey: run.signingKey, clock: io.clock, jsonPieces: jsonChunks, beforeRename: evidencePauseSeam() },
    );
    io.logger.info({ runId: run.report.runId }, 'evidence folder written');
    io.stderr.write(`gcore-token-audit: evidence written to ${path}\n`);
  } catch (error) {
    if (!(error instanceof EvidenceWriteError)) {
      throw error;
    }
    io.logger.error({ err: error, runId: run.report.runId }, 'evidence folder not written');
    io.stderr.write(`gcore-token-audit: ${error.message}\n`);
  }
}

/**
 * Test seam, documented in the README: EVIDENCE_TEST_PAUSE_MS holds a written folder this long before its rename,
 * so a test can kill the process while the folder is still temporary. Unset in production: no pause.
 */
function evidencePauseSeam(): ((tmp: string) => Promise<void>) | undefined {
  const ms = Number(process.env.EVIDENCE_TEST_PAUSE_MS ?? '');
  return Number.isFinite(ms) && ms > 0 ? () => new Promise((resolve) => setTimeout(resolve, ms)) : undefined;
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
