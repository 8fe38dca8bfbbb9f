import { planAlerts, type AlertState } from '../../src/alerts/plan-alerts.js';
import { routeDigests } from '../../src/alerts/slack/digest-messages.js';
import { layoutNewTokens } from '../../src/alerts/slack/layout-new-tokens.js';
import type { SlackSettings } from '../../src/alerts/slack-settings.js';
import type { ButtonOptions } from '../../src/alerts/actions/action-kind.js';
import { finding } from './findings.js';
import { NOW, daysBefore } from './tokens.js';

const settings: SlackSettings = { minSeverity: 'low', renotifyAfterHours: 168, maxMessagesPerRun: 3, detailSeverity: 'high', routes: [] };
const critical = (id: number) => finding(id, 'never-expiring-admin', 'critical', { message: 'Administrators token that never expires.', tokenName: `deploy & <b>${id}</b>` });
const high = (id: number) => finding(id, 'orphaned', 'high');
const medium = (id: number) => finding(id, 'stale', 'medium');
const told = (f: ReturnType<typeof finding>): [string, AlertState] => [
  `default/${f.id}`,
  { key: `default/${f.id}`, route: 'default', finding: f, firstSeen: daysBefore(20).toISOString(), lastSeen: daysBefore(8).toISOString(), lastNotified: daysBefore(8).toISOString() },
];

/** A run with new critical, high and medium findings and a reminder of older ones; a sweep's new tokens. */
export function samplePayloads(actions?: ButtonOptions): unknown {
  const previous = new Map([told(critical(900)), told(high(901)), told(medium(902))]);
  const findings = [critical(1), critical(2), high(3), medium(4), critical(900), high(901), medium(902)];
  const plan = planAlerts(previous, findings, { results: [] }, { now: NOW, minSeverity: 'low', renotifyAfterHours: 168, routes: [] });
  const digests = routeDigests(plan, { stateless: false, runId: 'r1', trigger: 'schedule', now: NOW, settings, listing: 'findings', ...(actions ? { actions } : {}) });
  const entry = (tokenId: number, severity: 'critical' | 'high') => ({
    clientId: 456,
    accountName: 'prod',
    tokenId,
    tokenName: `ci-deploy-${tokenId}`,
    issuer: 'John Doe',
    role: 'Administrators',
    created: '2026-11-02T09:41:27.000Z',
    expDate: null,
    severity,
    rules: [{ rule: 'never-expiring-admin' as const, severity, message: 'Administrators token that never expires.' }],
  });
  const sentinel = layoutNewTokens({ route: 'default', entries: [entry(116, 'critical'), entry(117, 'high')], left: 0 }, actions);
  return { digests, sentinel };
}

