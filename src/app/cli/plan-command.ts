import type { Logger } from 'pino';
import { UsageError } from '../../core/errors.js';
import type { Finding } from '../../core/finding.js';
import type { Report, TokenResult } from '../../core/report.js';
import { requestLapsed } from '../../core/revocation.js';
import type { Config } from '../../config/config.js';
import type { Secrets } from '../../config/secrets.js';
import { loadDirectory } from '../../config/load-directory.js';
import { createGcoreApi } from '../../gcore/create-gcore-api.js';
import { createRequestLimiter } from '../../gcore/request-limiter.js';
import type { GcoreApi } from '../../gcore/gcore-api.js';
import { runAudit } from '../../run/run-audit.js';
import type { AlertPlan } from '../../alerts/plan-alerts.js';
import { planNotice, routeFailingFor } from '../../alerts/plan-notice.js';
import { entryName } from '../../alerts/plan-digest.js';
import type { RouteMessages } from '../../alerts/slack/digest-messages.js';
import { previewHeading, previewMessages } from '../../alerts/slack/preview-messages.js';
import { connectRedis } from '../../store/redis-connection.js';
import { createAlertStateStore } from '../../store/alert-state-store.js';
import { createMuteStore, muteChanges, toMute } from '../../store/mute-store.js';
import { createOutboxStore } from '../../store/outbox-store.js';
import { createRevocationStore, type RevocationRecord, type RevocationStore } from '../../store/revocation-store.js';
import { exportSource, parseNow, readKeys } from './audit-command.js';
import { EXIT } from './exit-codes.js';
import { toOutput } from './output-file.js';
import { formatCsv } from '../../core/csv.js';
import { buttonOptionsOf } from '../../config/button-options.js';
import { createActionStore } from '../../store/action-store.js';

export interface PlanFlags {
  readonly input?: string;
  readonly now?: string;
  readonly format: 'table' | 'json' | 'csv';
  /** Write the plan here (atomically) instead of stdout. */
  readonly output?: string;
}

export interface PlanIo {
  readonly env: NodeJS.ProcessEnv;
  readonly stdout: { write(text: string): unknown };
  readonly logger: Logger;
  readonly secrets: Secrets;
  readonly clock: () => Date;
  readonly gcoreRetryBaseDelayMs?: number;
}

interface Change {
  readonly token: string;
  readonly change: 'new' | 'resolved' | 'reminded';
  readonly rule: string;
  readonly severity: string;
  readonly text: string;
}

/** Findings counted once, whatever the number of routes they go to. */
function ids(findings: Iterable<Finding>): Map<string, Finding> {
  const out = new Map<string, Finding>();
  for (const f of findings) {
    out.set(f.id, f);
  }
  return out;
}

function summarize(plan: AlertPlan) {
  const added = ids(plan.routes.flatMap((r) => r.newFindings));
  const resolved = new Map(plan.routes.flatMap((r) => r.resolved).map((r) => [r.finding.id, r] as const));
  const reminded = ids(plan.routes.flatMap((r) => r.reminders.map((s) => s.finding)));
  // Every finding told new or reminded is open and unmuted: the rest of the open ones are unchanged, the muted among them.
  const unchanged = plan.open.unmuted + plan.open.muted - added.size - reminded.size;
  const changes: Change[] = [
    ...[...added.values()].map((f) => ({ f, change: 'new' as const, text: f.message })),
    ...[...resolved.values()].map((r) => ({ f: r.finding, change: 'resolved' as const, text: r.reason })),
    ...[...reminded.values()].map((f) => ({ f, change: 'reminded' as const, text: f.message })),
  ]
    .map(({ f, change, text }) => ({
      token: `${entryName(f)}${f.tokenId === null ? '' : ` (token ${f.tokenId})`} · ${f.accountName ?? 'account'} (${f.clientId ?? '?'})`,
      change,
      rule: f.rule,
      severity: f.severity,
      text,
    }))
    .sort((a, b) => a.token.localeCompare(b.token) || a.change.localeCompare(b.change) || a.rule.localeCompare(b.rule));
  return {
    counts: { new: added.size, resolved: resolved.size, reminded: reminded.size, unchanged, muted: plan.open.muted },
    changes,
  };
}

const MARK: Record<Change['change'], string> = { new: '+', resolved: '-', reminded: '~' };

function formatPlan(summary: ReturnType<typeof summarize>, digests: readonly RouteMessages[], notes: readonly string[]): string {
  const c = summary.counts;
  const out: string[] = [`Plan: ${c.new} new · ${c.resolved} resolved · ${c.reminded} reminded · ${c.unchanged} unchanged (${c.muted} muted)`];
  if (summary.changes.length > 0) {
    out.push('', 'Changes, token by token (+ new, - resolved, ~ reminded):');
    let token = '';
    for (const ch of summary.changes) {
      if (ch.token !== token) {
        token = ch.token;
        out.push(`  ${token}`);
      }
      out.push(`    ${MARK[ch.change]} ${ch.rule} (${ch.severity}): ${ch.text}`);
    }
  }
  if (notes.length > 0) {
    out.push('', 'Mute changes the next digest tells:', ...notes.map((n) => `  ${n}`));
  }
  if (digests.length === 0) {
    out.push('', 'Slack: the next run would post nothing.');
  }
  for (const d of digests) {
    out.push('', previewHeading('the next run', d), '', previewMessages(d.messages).trimEnd());
  }
  return `${out.join('\n')}\n`;
}

/**
 * The lapsed revocations the next run's digest tells, without marking any: those lapsed and not told yet, and the
 * pending ones it will find past the approval window (the report job marks them, then tells them all, in request order).
 */
async function lapsesToTell(store: Pick<RevocationStore, 'list' | 'untoldLapses'>, now: Date, approvalHours: number): Promise<RevocationRecord[]> {
  const untold = new Set((await store.untoldLapses()).map((r) => r.id));
  return (await store.list()).filter((r) => untold.has(r.id) || (r.status === 'pending' && requestLapsed(r.requestedAt, approvalHours, now)));
}

/**
 * `plan`: what the next run would do with this configuration, against the alert state in Redis, without
 * posting or writing anything: it audits (live, or an export), applies the file's policy and mutes (and the
 * run-time mutes), plans the alerts as the report job does and prints the changes and the Slack messages.
 */
export async function planCommand(config: Config, flags: PlanFlags, io: PlanIo): Promise<number> {
  const evaluateAt = flags.now === undefined ? undefined : parseNow(flags.now);
  // Redis first: without the state there is nothing to compare with (exit 5), and no API call is wasted.
  const connection = await connectRedis(io.env, io.logger, { timeoutMs: 10_000 });
  try {
    const mutes = createMuteStore(connection.client, connection.prefix);
    const states = createAlertStateStore(connection.client, connection.prefix);
    const redisMutes = (await mutes.list()).map((m) => toMute(m, config.muteMaxDays));

    let source: { api: GcoreApi; config: Config; secrets: Secrets };
    if (flags.input !== undefined) {
      source = exportSource(flags.input, config);
    } else {
      readKeys(config, io.secrets);
      const limiter = createRequestLimiter({ concurrency: config.gcore.concurrency, ratePerSecond: config.gcore.ratePerSecond ?? undefined });
      source = { api: createGcoreApi({ ...config.gcore, limiter, retryBaseDelayMs: io.gcoreRetryBaseDelayMs }), config, secrets: io.secrets };
    }
    const now = evaluateAt ?? io.clock();
    const settings = config.notify.slack;
    // As the report job does: a Slack route that keeps failing is a finding (else plan would show it resolving),
    // muted and sorted with the others by the report.
    const failing = routeFailingFor(await createOutboxStore(connection.client, connection.prefix).failingRoutes(), settings);
    // The issuer rules read the company directory, as the worker's token jobs do (else plan would show their findings resolving).
    const directory = await loadDirectory(source.config.issuers?.directory ?? null, { secrets: io.secrets });
    let results: readonly TokenResult[] = [];
    const report: Report = await runAudit(
      { ...source.config, mutes: [...config.mutes, ...redisMutes] },
      { api: source.api, secrets: source.secrets, logger: io.logger, clock: io.clock, evaluateAt: now, directory, more: failing, onResults: (r) => (results = r) },
    );
    if (report.summary.accounts === 0) {
      const why = report.warnings.length > 0 ? report.warnings : ['no account could be enumerated'];
      throw new UsageError(why.map((w) => `nothing was audited: ${w}`).join('\n'));
    }

    const { states: previous } = await states.load();
    const told = await muteChanges(mutes, now, config.muteMaxDays);
    const approvalHours = config.remediation?.approvalHours ?? 72;
    const { plan, notes, digests } = planNotice({
      // The next run's id is not known yet: the preview names it after this plan's.
      run: { id: `plan-${report.runId}`, trigger: 'manual' },
      previous,
      findings: report.findings,
      results,
      settings,
      now,
      muteChanges: told.changes,
      lapses: { records: await lapsesToTell(createRevocationStore(connection.client, connection.prefix), now, approvalHours), approvalHours },
      acknowledged: new Set((await createActionStore(connection.client, connection.prefix).acknowledged(now)).keys()),
      actions: buttonOptionsOf(config),
    });
    const summary = summarize(plan);
    await toOutput(flags.output, io.stdout, (out) => {
      if (flags.format === 'json') {
        out.write(`${JSON.stringify({ evaluatedAt: report.evaluatedAt, ...summary, notes, slack: digests, warnings: report.warnings }, null, 2)}\n`);
      } else if (flags.format === 'csv') {
        // The changes only, one a line: the Slack messages and notes are for the table and the JSON.
        out.write(formatCsv(['token', 'change', 'rule', 'severity', 'text'], summary.changes.map((c) => [c.token, c.change, c.rule, c.severity, c.text])));
      } else {
        out.write(formatPlan(summary, digests, notes));
      }
    });
    return EXIT.ok;
  } finally {
    await connection.close();
  }
}
