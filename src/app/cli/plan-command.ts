import { routeNames } from '../../alerts/route-findings.js';
import { routeFailingFindings } from '../../core/route-failing.js';
import { createOutboxStore } from '../../store/outbox-store.js';
import type { Logger } from 'pino';
import { UsageError } from '../../core/errors.js';
import type { Finding } from '../../core/finding.js';
import type { Report, TokenResult } from '../../core/report.js';
import type { Config } from '../../config/config.js';
import type { Secrets } from '../../config/secrets.js';
import { createGcoreApi } from '../../gcore/create-gcore-api.js';
import { createRequestLimiter } from '../../gcore/request-limiter.js';
import type { GcoreApi } from '../../gcore/gcore-api.js';
import { runAudit } from '../../run/run-audit.js';
import { planAlerts, type AlertPlan } from '../../alerts/plan-alerts.js';
import { entryName } from '../../alerts/plan-digest.js';
import { muteNotes } from '../../alerts/mute-notes.js';
import { routeDigests, type RouteMessages } from '../../alerts/slack/digest-messages.js';
import { previewMessages } from '../../alerts/slack/preview-messages.js';
import { connectRedis } from '../../store/redis-connection.js';
import { createAlertStateStore } from '../../store/alert-state-store.js';
import { createMuteStore, muteChanges, toMute } from '../../store/mute-store.js';
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
  const open = ids(plan.open.map((s) => s.finding));
  const unchanged = [...open.values()].filter((f) => !added.has(f.id) && !reminded.has(f.id));
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
    counts: { new: added.size, resolved: resolved.size, reminded: reminded.size, unchanged: unchanged.length, muted: unchanged.filter((f) => f.muted).length },
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
    const to = d.route === 'default' ? 'SLACK_WEBHOOK_URL' : `route ${d.route}`;
    out.push('', `Slack: the next run would post ${d.messages.length} message${d.messages.length === 1 ? '' : 's'} to ${to}:`, '', previewMessages(d.messages).trimEnd());
  }
  return `${out.join('\n')}\n`;
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
    let results: readonly TokenResult[] = [];
    const report: Report = await runAudit(
      { ...source.config, mutes: [...config.mutes, ...redisMutes] },
      { api: source.api, secrets: source.secrets, logger: io.logger, clock: io.clock, evaluateAt, onResults: (r) => (results = r) },
    );
    if (report.summary.accounts === 0) {
      const why = report.warnings.length > 0 ? report.warnings : ['no account could be enumerated'];
      throw new UsageError(why.map((w) => `nothing was audited: ${w}`).join('\n'));
    }

    const now = new Date(report.evaluatedAt);
    const { states: previous } = await states.load();
    const told = await muteChanges(mutes, now, config.muteMaxDays);
    const settings = config.notify.slack;
    // As the report job does: a Slack route that keeps failing is a finding (else plan would show it resolving).
    const routes = new Set(routeNames(settings.routes));
    const failing = (await createOutboxStore(connection.client, connection.prefix).failingRoutes()).filter((f) => routes.has(f.route));
    const plan = planAlerts(previous, [...report.findings, ...routeFailingFindings(failing)], { results }, {
      now,
      minSeverity: settings.minSeverity,
      renotifyAfterHours: settings.renotifyAfterHours,
      routes: settings.routes,
      acknowledged: new Set((await createActionStore(connection.client, connection.prefix).acknowledged(now)).keys()),
    });
    const notes = muteNotes(told.changes);
    const digests = routeDigests(plan, { stateless: false, runId: `plan-${report.runId}`, trigger: 'manual', now, settings, notes, listing: 'findings', actions: buttonOptionsOf(config) });
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
