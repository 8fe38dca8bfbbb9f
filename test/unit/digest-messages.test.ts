import { describe, expect, it } from '@jest/globals';
import type { AlertPlan, RoutePlan } from '../../src/alerts/plan-alerts.js';
import { LIST_ALL_COMMAND } from '../../src/alerts/digest.js';
import { DEFAULT_ROUTE, type Route } from '../../src/alerts/route-findings.js';
import type { SlackSettings } from '../../src/config/config.js';
import { routeDigests, type RouteMessages } from '../../src/slack/digest-messages.js';
import { plainText } from '../support/estate.js';
import { NOW } from '../support/tokens.js';

const NOTE = 'Mute m1 on stale (token 116) lapsed';
const oncall: Route = { name: 'oncall', webhookEnv: 'ONCALL_WEBHOOK', match: { minSeverity: 'critical' }, continue: false };
const catchAll: Route = { name: 'all', webhookEnv: 'ALL_WEBHOOK', match: {}, continue: false };

/** A route with no finding to tell: only notes can give it a digest. */
const quiet = (route: string): RoutePlan => ({ route, newFindings: [], reminders: [], resolved: [], open: [], muted: 0, belowMinSeverity: 0 });
const plan = (routes: string[]): AlertPlan => ({ upserts: [], resolvedKeys: [], open: [], routes: routes.map(quiet) });

function digests(routes: Route[], notes?: string[]): RouteMessages[] {
  const settings: SlackSettings = { minSeverity: 'low', renotifyAfterHours: 168, maxMessagesPerRun: 5, detailSeverity: 'high', routes };
  return routeDigests(plan([...routes.map((r) => r.name), DEFAULT_ROUTE]), { stateless: false, runId: 'r1', trigger: 'schedule', now: NOW, settings, notes, moreCommand: LIST_ALL_COMMAND });
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
