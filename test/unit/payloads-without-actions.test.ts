import { readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import { planAlerts, type AlertState } from '../../src/alerts/plan-alerts.js';
import { routeDigests } from '../../src/alerts/slack/digest-messages.js';
import { layoutNewTokens } from '../../src/alerts/slack/layout-new-tokens.js';
import type { SlackSettings } from '../../src/alerts/slack-settings.js';
import { finding } from '../support/findings.js';
import { NOW, daysBefore } from '../support/tokens.js';

// What Slack was sent before the Slack actions existed, recorded from the code of that time: without the app
// tokens (no `actions` settings), every payload must stay byte for byte what it was.
const GOLDEN = new URL('./golden/payloads-without-actions.json', import.meta.url);

const settings: SlackSettings = { minSeverity: 'low', renotifyAfterHours: 168, maxMessagesPerRun: 3, detailSeverity: 'high', routes: [] };
const critical = (id: number) => finding(id, 'never-expiring-admin', 'critical', { message: 'Administrators token that never expires.', tokenName: `deploy & <b>${id}</b>` });
const high = (id: number) => finding(id, 'orphaned', 'high');
const medium = (id: number) => finding(id, 'stale', 'medium');
const told = (f: ReturnType<typeof finding>): [string, AlertState] => [
  `default/${f.id}`,
  { key: `default/${f.id}`, route: 'default', finding: f, firstSeen: daysBefore(20).toISOString(), lastSeen: daysBefore(8).toISOString(), lastNotified: daysBefore(8).toISOString() },
];

/** A run with new critical, high and medium findings and a reminder of older ones; a sweep's new tokens. */
export function samplePayloads(actions?: { remediation: boolean }): unknown {
  const previous = new Map([told(critical(900)), told(high(901)), told(medium(902))]);
  const findings = [critical(1), critical(2), high(3), medium(4), critical(900), high(901), medium(902)];
  const plan = planAlerts(previous, findings, { results: [] }, { now: NOW, minSeverity: 'low', renotifyAfterHours: 168, routes: [] });
  const digests = routeDigests(plan, { stateless: false, runId: 'r1', trigger: 'schedule', now: NOW, settings, listing: 'findings' });
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
  const sentinel = layoutNewTokens({ route: 'default', entries: [entry(116, 'critical'), entry(117, 'high')], left: 0 });
  return { digests, sentinel };
}

describe('payloads without the Slack app tokens', () => {
  it('are byte for byte what they were before the actions existed', () => {
    const now = JSON.stringify(samplePayloads(), null, 1);
    expect(`${now}\n`).toBe(readFileSync(GOLDEN, 'utf8'));
  });
});
