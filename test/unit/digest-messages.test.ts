import { tallyOpen } from '../../src/alerts/open-tally.js';
import { describe, expect, it } from '@jest/globals';
import type { AlertPlan, RoutePlan } from '../../src/alerts/plan-alerts.js';
import { DEFAULT_ROUTE, type Route } from '../../src/alerts/route-findings.js';
import type { SlackSettings } from '../../src/alerts/slack-settings.js';
import { routeDigests, type RouteMessages } from '../../src/alerts/slack/digest-messages.js';
import { plainText } from '../support/estate.js';
import { NOW } from '../support/tokens.js';
import { finding } from '../support/findings.js';

const NOTE = 'Mute m1 on stale (token 116) lapsed';
const oncall: Route = { name: 'oncall', webhookEnv: 'ONCALL_WEBHOOK', match: { minSeverity: 'critical' }, continue: false };
const catchAll: Route = { name: 'all', webhookEnv: 'ALL_WEBHOOK', match: {}, continue: false };

/** A route with no finding to tell: only notes can give it a digest. */
const none = { unmuted: 0, shown: 0, critical: 0, high: 0 };
const quiet = (route: string): RoutePlan => ({ route, newFindings: [], reminders: [], resolved: [], open: none, muted: 0, belowMinSeverity: 0 });
const nothingOpen = { ...none, muted: 0, byRule: new Map(), oldest: new Map() };
const counts = { new: 0, resolved: 0, open: 0 };
const plan = (routes: string[]): AlertPlan => ({ upserts: [], resolvedKeys: [], open: nothingOpen, counts, resolvedAges: [], routes: routes.map(quiet) });

function digests(routes: Route[], notes?: string[]): RouteMessages[] {
  const settings: SlackSettings = { minSeverity: 'low', renotifyAfterHours: 168, maxMessagesPerRun: 5, detailSeverity: 'high', routes };
  return routeDigests(plan([...routes.map((r) => r.name), DEFAULT_ROUTE]), { stateless: false, runId: 'r1', trigger: 'schedule', now: NOW, settings, notes, listing: 'findings' });
}

describe('routeDigests: notes (mute changes)', () => {
  it('go to every route, the default one included, when findings can still reach SLACK_WEBHOOK_URL', () => {
    const out = digests([oncall], [NOTE]);
    expect(out.map((d) => d.route)).toEqual(['oncall', DEFAULT_ROUTE]);
    for (const d of out) {
      expect(plainText(d.messages)).toContain(NOTE);
    }
  });

  it('never go to SLACK_WEBHOOK_URL when a catch-all route leaves it unused, but still to every route', () => {
    const out = digests([oncall, catchAll], [NOTE]);
    expect(out.map((d) => d.route)).toEqual(['oncall', 'all']);
    for (const d of out) {
      expect(plainText(d.messages)).toContain(NOTE);
    }
  });

  it('leave out a route with neither notes nor findings', () => {
    expect(digests([oncall])).toEqual([]);
  });
});

describe('routeDigests: header counts', () => {
  it('a route that sees part of the run says "here" and "in all", counting a finding on two routes once', () => {
    const settings: SlackSettings = { minSeverity: 'medium', renotifyAfterHours: 168, maxMessagesPerRun: 5, detailSeverity: 'high', routes: [oncall] };
    const critical = finding(1, 'never-expiring-admin', 'critical');
    const rest = [finding(2, 'orphaned', 'high'), finding(3, 'stale', 'medium')];
    const below = finding(4, 'never-used', 'low');
    const routes: RoutePlan[] = [
 { ...quiet('oncall'), newFindings: [critical], open: tallyOpen([critical], 'medium') },
      { ...quiet(DEFAULT_ROUTE), newFindings: [critical, ...rest], open: tallyOpen([critical, ...rest, below], 'medium'), belowMinSeverity: 1 },
    ];
    // The run's open findings, counted once each (the two routes share `critical`).
    const open = { ...tallyOpen([critical, ...rest, below], 'medium'), muted: 0, byRule: new Map(), oldest: new Map() };
    const out = routeDigests({ upserts: [], resolvedKeys: [], open, counts, resolvedAges: [], routes }, { stateless: false, runId: 'r1', trigger: 'schedule', now: NOW, settings, listing: 'findings' });
    expect(out.map((d) => d.messages[0]?.text)).toEqual([
      'Gcore token audit: 1 new here · 3 new in all · 0 resolved · 1 open here (1 critical, 0 high) · 3 open in all',
      'Gcore token audit: 3 new · 0 resolved · 3 open (1 critical, 1 high) · 1 below medium not shown',
    ]);
  });
});
