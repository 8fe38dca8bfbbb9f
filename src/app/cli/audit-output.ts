import { setTimeout as sleep } from 'node:timers/promises';
/**
 * What `audit` does once the audit is done: print the report, write the evidence folder, show or post the
 * Slack digests. A module of its own so that auditCommand imports it while the first requests are out
 * (README "Performance", "`audit`'s start"), not before them.
 */
import { EvidenceWriteError, SlackRejectedError, SlackUnavailableError } from '../../core/errors.js';
import type { Report, TokenResult } from '../../core/report.js';
import { formatFindingsCsv } from '../../core/finding-csv.js';
import type { Config } from '../../config/config.js';
import { writeEvidence } from '../../run/write-evidence.js';
import { formatTable } from '../report/format-table.js';
import { jsonChunks, writeJson, type JsonOut } from '../report/json-chunks.js';
import { planNotice } from '../../alerts/plan-notice.js';
import type { RouteMessages } from '../../alerts/slack/digest-messages.js';
import { previewHeading, previewJson, previewMessages } from '../../alerts/slack/preview-messages.js';
import { createSlackNotifier } from '../../alerts/slack/slack-notifier.js';
import { toOutput } from './output-file.js';
import { describeSlackFailure, webhookHolder } from './describe-slack-failure.js';
import type { Logger } from 'pino';
import type { SlackNotifierOptions } from '../../alerts/slack/slack-notifier.js';

/** `audit --format`; wide: the table with every column whole. */
export type ReportFormat = 'table' | 'wide' | 'json' | 'csv';

/** The part of auditCommand's io the end uses. */
export interface AfterAuditIo {
  readonly stderr: { write(text: string): unknown };
  readonly logger: Logger;
  readonly clock: () => Date;
  readonly slack?: Partial<SlackNotifierOptions>;
  readonly version?: string;
}

/** The report on stdout or in `--output`, in the format asked for. */
export async function writeReport(
  report: Report,
  how: { format: ReportFormat; output: string | undefined; notAudited: { count: number; reasons: string[] } | null },
  stdout: JsonOut,
): Promise<void> {
  await toOutput(how.output, stdout, async (out) => {
    if (how.format === 'json') {
      await writeJson(out, report);
    } else if (how.format === 'csv') {
      out.write(formatFindingsCsv(report.findings));
    } else {
      out.write(formatTable(report, { wide: how.format === 'wide', notAudited: how.notAudited }));
    }
  });
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

/** `--slack-preview`: what `--notify` would post, after the table. */
export function printPreview(digests: readonly RouteMessages[], preview: string, stdout: { write(text: string): unknown }): void {
  if (digests.length === 0) {
    stdout.write('\nSlack: --notify would post nothing (no unmuted finding at or above the minimum severity).\n');
  }
  for (const d of digests) {
    stdout.write(`\n${previewHeading('--notify', d)}\n\n`);
    stdout.write(preview === 'json' ? previewJson(d.messages) : previewMessages(d.messages));
  }
}

/** `--notify`: each route's digest to its webhook; false when one was not delivered (said on stderr). */
export async function notify(
  digests: readonly RouteMessages[],
  webhooks: ReadonlyMap<string, string>,
  config: Config,
  io: AfterAuditIo,
): Promise<boolean> {
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
  return !undelivered;
}

/** The evidence folder of a one-shot audit: a failure is said and logged, and the audit's exit code stands. */
export async function auditEvidence(
  dir: string,
  run: { report: Report; results: readonly TokenResult[]; config: Config; signingKey: string | null },
  io: AfterAuditIo,
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
  return Number.isFinite(ms) && ms > 0 ? () => sleep(ms) : undefined;
}
